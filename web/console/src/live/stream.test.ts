import { describe, expect, it } from "vitest";
import { backoffDelay } from "../logic/backoff";
import { StreamConnection, type SocketLike, type StreamStatus } from "./stream";

class FakeSocket implements SocketLike {
  onopen: SocketLike["onopen"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  onmessage: SocketLike["onmessage"] = null;
  closed = false;
  constructor(readonly url: string) {}
  close() {
    this.closed = true;
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const statuses: { status: StreamStatus; reconnected: boolean }[] = [];
  const frames: unknown[] = [];
  let token = "t1";
  const conn = new StreamConnection({
    url: () => `ws://x/inbox/v1/stream?token=${token}`,
    onFrame: (f) => frames.push(f),
    onStatus: (status, d) => statuses.push({ status, reconnected: d.reconnected }),
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    schedule: (fn, ms) => timers.push({ fn, ms }),
    cancel: () => {},
    delay: (attempt) => 100 * 2 ** attempt,
  });
  return { conn, sockets, timers, statuses, frames, setToken: (t: string) => (token = t) };
}

describe("StreamConnection", () => {
  it("connects, delivers frames, and says it is live", () => {
    const { conn, sockets, statuses, frames } = setup();
    conn.start();
    sockets[0]!.onopen!({});
    sockets[0]!.onmessage!({ data: JSON.stringify({ type: "chat.deleted", chat_id: "c", version: 1, data: null }) });
    sockets[0]!.onmessage!({ data: "garbage" });
    expect(statuses.map((s) => s.status)).toEqual(["connecting", "live"]);
    expect(frames).toHaveLength(1);
  });

  it("shows reconnecting on a drop, backs off, and reports the reconnection", () => {
    const { conn, sockets, timers, statuses, setToken } = setup();
    conn.start();
    sockets[0]!.onopen!({});
    sockets[0]!.onclose!({ code: 1006 });
    expect(statuses.at(-1)?.status).toBe("reconnecting");
    expect(timers[0]!.ms).toBe(100);
    setToken("t2");
    timers[0]!.fn();
    sockets[1]!.onclose!({ code: 1006 });
    expect(timers[1]!.ms).toBe(200);
    timers[1]!.fn();
    expect(sockets[2]!.url).toContain("token=t2");
    sockets[2]!.onopen!({});
    expect(statuses.at(-1)).toEqual({ status: "live", reconnected: true });
    // the backoff starts again after a successful connection
    sockets[2]!.onclose!({ code: 1011 });
    expect(timers[2]!.ms).toBe(100);
  });

  it("stops on a refused or expired token", () => {
    const { conn, sockets, timers, statuses } = setup();
    conn.start();
    sockets[0]!.onclose!({ code: 4001 });
    expect(statuses.at(-1)?.status).toBe("unauthorized");
    expect(timers).toHaveLength(0);
  });

  it("does not reconnect after stop", () => {
    const { conn, sockets, timers } = setup();
    conn.start();
    sockets[0]!.onopen!({});
    conn.stop();
    expect(sockets[0]!.closed).toBe(true);
    expect(timers).toHaveLength(0);
  });
});

describe("backoffDelay", () => {
  it("grows exponentially up to the cap, with jitter in the upper half", () => {
    expect(backoffDelay(0, { random: () => 0 })).toBe(250);
    expect(backoffDelay(0, { random: () => 1 })).toBe(500);
    expect(backoffDelay(3, { random: () => 1 })).toBe(4000);
    expect(backoffDelay(20, { random: () => 1 })).toBe(30_000);
  });
});
