import { describe, expect, it, vi } from "vitest";
import type { Chat, SyncPage } from "../api/types";
import { emptyFilters } from "../logic/filters";
import { chat } from "../logic/fixtures";
import { missingFromReload } from "../logic/chatStore";
import { computeRows } from "../logic/tableRows";
import { LiveChats } from "./liveChats";
import type { SocketLike } from "./stream";

class FakeSocket implements SocketLike {
  onopen: SocketLike["onopen"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  onmessage: SocketLike["onmessage"] = null;
  close() {}
}

function setup(visible: Record<string, Chat | null>, failSync: () => boolean = () => false) {
  const sockets: FakeSocket[] = [];
  const timers: (() => void)[] = [];
  const syncPages: SyncPage[] = [];
  const fetchChat = vi.fn(async (id: string) => visible[id] ?? null);
  const live = new LiveChats({
    streamUrl: () => "ws://x/inbox/v1/stream?token=t",
    fetchSync: async (since) => {
      if (failSync()) throw new Error("down");
      return syncPages.shift() ?? { items: [], deleted: [], cursor: since, more: false };
    },
    fetchChat,
    socket: {
      createSocket: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
      schedule: (fn) => timers.push(fn),
      cancel: () => {},
      delay: () => 0,
    },
  });
  return { live, sockets, timers, syncPages, fetchChat };
}

const rowsOf = (live: LiveChats, pageIds: string[]) =>
  computeRows({ pageIds, store: live.getSnapshot().store, filters: emptyFilters(), sort: "-created_at", page: 1 }).rows.map((c) => c.id);

describe("LiveChats: the table follows a resync", () => {
  it("asks the table to re-read its page after a reconnect's resync, and drops rows the user no longer sees", async () => {
    const moved = chat({ id: "m", version: 2, created_at: "2026-11-18T10:00:00Z" });
    const { live, sockets, timers, syncPages, fetchChat } = setup({ m: moved });
    live.start(new Date("2026-11-20T10:00:00Z"));
    sockets[0]!.onopen!({});
    await vi.waitFor(() => expect(live.getSnapshot().syncing).toBe(false));
    // the first sync runs with the table's first load: no second read
    expect(live.getSnapshot().tableReload).toBe(0);

    // the table's first page, and a chat that arrived live on top of it
    await live.applyTablePage([chat({ id: "a" }), chat({ id: "m", created_at: "2026-11-18T10:00:00Z" })], new Set());
    const arrivedFrame = { type: "chat.changed", chat_id: "t", version: 1, data: chat({ id: "t", created_at: "2026-11-21T10:00:00Z" }) };
    sockets[0]!.onmessage!({ data: JSON.stringify(arrivedFrame) });
    const shown = rowsOf(live, ["a", "m"]);
    expect(shown).toEqual(["t", "a", "m"]);

    // the socket drops; meanwhile "t" is transferred away and "m" moves off the page: the sync lists neither
    sockets[0]!.onclose!({ code: 1006 });
    syncPages.push({ items: [chat({ id: "a", version: 2 })], deleted: [], cursor: "c1", more: false });
    timers.shift()!();
    sockets[1]!.onopen!({});
    await vi.waitFor(() => expect(live.getSnapshot().tableReload).toBe(1));
    expect(live.getSnapshot().store.chats.has("t")).toBe(true); // the sync alone keeps it

    // the table re-reads its current query: the server's page has only "a"
    const arrivedBefore = live.getSnapshot().store.arrived;
    const reloaded = [chat({ id: "a", version: 2 })];
    await live.applyTablePage(reloaded, arrivedBefore, missingFromReload(shown, ["a"]));
    expect(fetchChat.mock.calls.map(([id]) => id).sort()).toEqual(["m", "t"]);
    const { store, notices } = live.getSnapshot();
    expect(store.chats.has("t")).toBe(false); // not visible any more: dropped
    expect(store.gone.has("t")).toBe(true);
    expect(store.chats.get("m")?.version).toBe(2); // still visible (elsewhere): kept, refreshed
    expect(rowsOf(live, ["a"])).toEqual(["a"]);
    expect(notices.map((n) => n.text)).toEqual(["Chat t left your list (transferred or reassigned)."]);
    live.stop();
  });

  it("does not ask for a re-read when the resync failed", async () => {
    let fail = false;
    const { live, sockets, timers } = setup({}, () => fail);
    live.start();
    sockets[0]!.onopen!({});
    await vi.waitFor(() => expect(live.getSnapshot().syncing).toBe(false));
    fail = true;
    sockets[0]!.onclose!({ code: 1006 });
    timers.shift()!();
    sockets[1]!.onopen!({});
    await vi.waitFor(() => expect(live.getSnapshot().syncError).toBe("down"));
    await vi.waitFor(() => expect(live.getSnapshot().syncing).toBe(false));
    expect(live.getSnapshot().tableReload).toBe(0);
    live.stop();
  });
});
