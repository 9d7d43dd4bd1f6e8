import { describe, expect, it } from "vitest";
import { Backoff, RECONNECT, backoffDelay } from "../src/backoff";

describe("reconnect backoff", () => {
  const noJitter = { ...RECONNECT, jitter: 0 };

  it("doubles from the base up to the cap", () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, noJitter, 0.5))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
  });

  it("takes up to the jitter share off at random", () => {
    expect(backoffDelay(2, RECONNECT, 0)).toBe(4000);
    expect(backoffDelay(2, RECONNECT, 0.999)).toBeGreaterThanOrEqual(2000);
    expect(backoffDelay(2, RECONNECT, 1)).toBe(2000);
  });

  it("never overflows on many attempts", () => {
    expect(backoffDelay(10_000, noJitter, 0)).toBe(30000);
  });

  it("counts attempts, honours Retry-After and starts over after reset", () => {
    const backoff = new Backoff(noJitter, () => 0);
    expect(backoff.next()).toBe(1000);
    expect(backoff.next()).toBe(2000);
    expect(backoff.next(60)).toBe(60_000);
    expect(backoff.attempts).toBe(3);
    backoff.reset();
    expect(backoff.next()).toBe(1000);
  });
});
