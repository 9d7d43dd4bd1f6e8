/** Reconnect delays: exponential from `base`, capped, with "full jitter" so a restarted server is
 * not hit by every console at once. `random` is injectable for tests. */
export function backoffDelay(
  attempt: number,
  { base = 500, cap = 30_000, random = Math.random }: { base?: number; cap?: number; random?: () => number } = {},
): number {
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
