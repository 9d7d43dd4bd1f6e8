// Reconnect delays: exponential, capped, with jitter so that many widgets cut off by the same outage
// do not all come back in the same second; a server's Retry-After is never undercut.

export interface BackoffOptions {
  /** The first delay (ms). */
  baseMs: number;
  /** The longest delay (ms). */
  maxMs: number;
  /** Growth per attempt. */
  factor: number;
  /** The share of a delay taken off at random (0: none, 1: anywhere from 0 to the full delay). */
  jitter: number;
}

export const RECONNECT: BackoffOptions = { baseMs: 1_000, maxMs: 30_000, factor: 2, jitter: 0.5 };

/** The delay before retry number `attempt` (0 for the first), `random` in [0, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: number): number {
  const exponent = Math.max(0, Math.min(attempt, 50));
  const full = Math.min(options.maxMs, options.baseMs * options.factor ** exponent);
  return Math.round(full * (1 - options.jitter * Math.min(Math.max(random, 0), 1)));
}

/** Successive delays; `reset` after a success. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions = RECONNECT,
    private readonly random: () => number = Math.random,
  ) {}

  /** The next delay (ms), at least `retryAfterSeconds` when the service asked for it. */
  next(retryAfterSeconds = 0): number {
    const delay = backoffDelay(this.attempt, this.options, this.random());
    this.attempt++;
    return Math.max(delay, retryAfterSeconds * 1000);
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
