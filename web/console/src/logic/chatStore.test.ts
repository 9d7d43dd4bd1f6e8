import { describe, expect, it } from "vitest";
import { applyFrame, applyList, applySync, emptyStore, parseFrame, type StreamFrame } from "./chatStore";
import { chat, message } from "./fixtures";

const changed = (version: number, extra = {}): StreamFrame => ({
  type: "chat.changed",
  chat_id: "c1",
  version,
  data: chat({ id: "c1", version, ...extra }),
});

describe("merging stream frames by version", () => {
  it("applies a newer snapshot and keeps it over an older one", () => {
    let s = applyFrame(emptyStore(), changed(2, { status: "open" })).state;
    const stale = applyFrame(s, changed(1, { status: "pending" }));
    expect(stale.outcome).toBe("stale");
    expect(stale.state).toBe(s);
    s = applyFrame(s, changed(3, { status: "resolved" })).state;
    expect(s.chats.get("c1")?.status).toBe("resolved");
    expect(s.chats.get("c1")?.version).toBe(3);
  });

  it("ignores a replayed frame of the same version", () => {
    const s = applyFrame(emptyStore(), changed(2)).state;
    expect(applyFrame(s, changed(2)).outcome).toBe("stale");
  });

  it("never overwrites a state loaded from a list with an older frame", () => {
    const s = applyList(emptyStore(), [chat({ id: "c1", version: 5, status: "closed" })]);
    const r = applyFrame(s, changed(4, { status: "open" }));
    expect(r.outcome).toBe("stale");
    expect(r.state.chats.get("c1")?.status).toBe("closed");
  });

  it("marks chats that arrived live, not those of a list page", () => {
    let s = applyList(emptyStore(), [chat({ id: "c0" })]);
    s = applyFrame(s, changed(1)).state;
    expect([...s.arrived]).toEqual(["c1"]);
  });

  it("removes a chat transferred away, and an older snapshot does not bring it back", () => {
    let s = applyFrame(emptyStore(), changed(3)).state;
    const removed = applyFrame(s, { type: "chat.removed", chat_id: "c1", version: 4, data: null });
    expect(removed.left).toBe("removed");
    s = removed.state;
    expect(s.chats.has("c1")).toBe(false);
    expect(applyFrame(s, changed(4)).outcome).toBe("stale");
    // transferred back later: a newer snapshot shows it again
    s = applyFrame(s, changed(5)).state;
    expect(s.chats.get("c1")?.version).toBe(5);
  });

  it("ignores a removal older than the state it would remove", () => {
    const s = applyFrame(emptyStore(), changed(6)).state;
    const r = applyFrame(s, { type: "chat.removed", chat_id: "c1", version: 5, data: null });
    expect(r.outcome).toBe("stale");
    expect(r.state.chats.has("c1")).toBe(true);
  });

  it("forgets a deleted chat for good", () => {
    let s = applyFrame(emptyStore(), changed(2)).state;
    s = applyFrame(s, { type: "chat.deleted", chat_id: "c1", version: 3, data: null }).state;
    expect(s.chats.has("c1")).toBe(false);
    expect(applyFrame(s, changed(99)).outcome).toBe("stale");
    const msg = applyFrame(s, { type: "message.created", chat_id: "c1", version: 100, data: message({ id: "m", seq: 1 }) });
    expect(msg.outcome).toBe("ignored");
  });

  it("keeps the latest message of a chat for the list", () => {
    let s = applyFrame(emptyStore(), changed(1)).state;
    s = applyFrame(s, { type: "message.created", chat_id: "c1", version: 2, data: message({ id: "m2", seq: 2, text: "two" }) }).state;
    s = applyFrame(s, { type: "message.created", chat_id: "c1", version: 2, data: message({ id: "m1", seq: 1, text: "one" }) }).state;
    expect(s.lastMessages.get("c1")?.text).toBe("two");
  });
});

describe("detecting a gap", () => {
  it("reports a frame that skips a version", () => {
    const s = applyFrame(emptyStore(), changed(1)).state;
    expect(applyFrame(s, changed(2)).gap).toBe(false);
    expect(applyFrame(s, changed(3)).gap).toBe(true);
  });

  it("counts message frames as seen versions", () => {
    let s = applyFrame(emptyStore(), changed(1)).state;
    const m = applyFrame(s, { type: "message.created", chat_id: "c1", version: 2, data: message({ id: "m1", seq: 1 }) });
    expect(m.gap).toBe(false);
    s = m.state;
    // the snapshot of version 2 arrives after its message: no gap, and it applies
    const r = applyFrame(s, changed(2));
    expect(r.gap).toBe(false);
    expect(r.outcome).toBe("applied");
    expect(applyFrame(r.state, { type: "message.updated", chat_id: "c1", version: 4, data: message({ id: "m1", seq: 1 }) }).gap).toBe(true);
  });

  it("sees no gap for a chat it did not know", () => {
    expect(applyFrame(emptyStore(), changed(40)).gap).toBe(false);
  });
});

describe("merging a sync page", () => {
  it("applies newer chats, keeps newer local state, and removes deleted chats", () => {
    let s = applyList(emptyStore(), [
      chat({ id: "a", version: 2 }),
      chat({ id: "b", version: 9, status: "resolved" }),
      chat({ id: "c", version: 1 }),
    ]);
    s = applySync(s, {
      items: [chat({ id: "a", version: 3, status: "pending" }), chat({ id: "b", version: 8, status: "open" }), chat({ id: "d", version: 1 })],
      deleted: ["c", "zzz"],
    });
    expect(s.chats.get("a")?.status).toBe("pending");
    expect(s.chats.get("b")?.status).toBe("resolved");
    expect(s.chats.has("c")).toBe(false);
    expect(s.chats.has("d")).toBe(true);
    expect(s.arrived.has("d")).toBe(true);
    expect(applyFrame(s, { type: "chat.changed", chat_id: "c", version: 5, data: chat({ id: "c", version: 5 }) }).outcome).toBe("stale");
  });
});

describe("parsing frames", () => {
  it("reads known frames and drops anything else", () => {
    expect(parseFrame(JSON.stringify({ type: "chat.deleted", chat_id: "x", version: 3, data: null }))?.type).toBe("chat.deleted");
    expect(parseFrame("not json")).toBeNull();
    expect(parseFrame(JSON.stringify({ type: "typing", chat_id: "x", version: 1 }))).toBeNull();
    expect(parseFrame(JSON.stringify({ type: "chat.changed", chat_id: "x", version: 1, data: null }))).toBeNull();
    expect(parseFrame(JSON.stringify({ type: "chat.removed", chat_id: 4, version: 1 }))).toBeNull();
  });
});
