import { describe, expect, it, vi } from "vitest";
import type { SyncPage } from "../api/types";
import { applyFrame, applyLeft, applyList, applyPage, applySync, emptyStore, missingFromReload, type ChatStoreState } from "./chatStore";
import { emptyFilters } from "./filters";
import { chat } from "./fixtures";
import { initialCursor, reloadsTable, ResyncScheduler, syncAll } from "./resync";
import { computeRows } from "./tableRows";

const page = (cursor: string, more: boolean, items: SyncPage["items"] = [], deleted: string[] = []): SyncPage => ({
  cursor,
  more,
  items,
  deleted,
});

describe("syncAll", () => {
  it("pages until more is false, passing each cursor back", async () => {
    const pages: Record<string, SyncPage> = {
      c0: page("c1", true, [chat({ id: "a", version: 2 })]),
      c1: page("c2", true, [], ["b"]),
      c2: page("c3", false, [chat({ id: "e", version: 1 })]),
    };
    const asked: string[] = [];
    let store: ChatStoreState = emptyStore();
    store = { ...store, chats: new Map([["b", chat({ id: "b" })]]) };
    const cursor = await syncAll(
      async (since) => {
        asked.push(since);
        return pages[since]!;
      },
      "c0",
      (p) => {
        store = applySync(store, p);
      },
    );
    expect(asked).toEqual(["c0", "c1", "c2"]);
    expect(cursor).toBe("c3");
    expect([...store.chats.keys()].sort()).toEqual(["a", "e"]);
  });

  it("stops when the cursor does not move (no endless loop)", async () => {
    const fetch = vi.fn(async () => page("same", true));
    expect(await syncAll(fetch, "same", () => {})).toBe("same");
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});

describe("ResyncScheduler", () => {
  it("starts from an initial cursor before now", () => {
    expect(initialCursor(new Date("2026-11-27T10:00:10Z"), 10_000)).toBe("2026-11-27T10:00:00.000Z");
  });

  it("resyncs after a gap and merges what was missed", async () => {
    let store = applyFrame(emptyStore(), { type: "chat.changed", chat_id: "c1", version: 1, data: chat({ id: "c1", version: 1 }) }).state;
    const scheduler = new ResyncScheduler({
      cursor: "t0",
      fetchPage: async () => page("t1", false, [chat({ id: "c1", version: 3, status: "resolved" })], ["gone"]),
      apply: (p) => {
        store = applySync(store, p);
      },
    });
    const result = applyFrame(store, { type: "chat.changed", chat_id: "c1", version: 3, data: chat({ id: "c1", version: 3, status: "resolved" }) });
    // the frame of version 2 was lost
    expect(result.gap).toBe(true);
    await scheduler.trigger("gap");
    expect(scheduler.position).toBe("t1");
    expect(store.chats.get("c1")?.version).toBe(3);
  });

  it("runs one sync at a time and one more for triggers that came while it ran", async () => {
    const resolvers: ((p: SyncPage) => void)[] = [];
    const fetchPage = vi.fn(
      (since: string) =>
        new Promise<SyncPage>((resolve) => {
          resolvers.push(resolve);
          void since;
        }),
    );
    const scheduler = new ResyncScheduler({ cursor: "c0", fetchPage, apply: () => {} });
    const first = scheduler.trigger("reconnected");
    void scheduler.trigger("gap");
    void scheduler.trigger("gap");
    expect(fetchPage).toHaveBeenCalledTimes(1);
    resolvers[0]!(page("c1", false));
    await vi.waitFor(() => expect(fetchPage).toHaveBeenCalledTimes(2));
    expect(fetchPage).toHaveBeenLastCalledWith("c1");
    resolvers[1]!(page("c2", false));
    await first;
    expect(scheduler.busy).toBe(false);
    expect(scheduler.position).toBe("c2");
  });

  it("keeps its cursor when a sync fails, and tries again on the next trigger", async () => {
    const errors: unknown[] = [];
    let fail = true;
    const scheduler = new ResyncScheduler({
      cursor: "c0",
      fetchPage: async () => {
        if (fail) throw new Error("down");
        return page("c1", false);
      },
      apply: () => {},
      onError: (e) => errors.push(e),
    });
    await scheduler.trigger("reconnected");
    expect(errors).toHaveLength(1);
    expect(scheduler.position).toBe("c0");
    fail = false;
    await scheduler.trigger("reconnected");
    expect(scheduler.position).toBe("c1");
  });
});

describe("after a resync, the table re-reads its page", () => {
  it("is asked for after a reconnect or a gap that synced, not after the first sync or a failed one", () => {
    expect(reloadsTable("reconnected", true)).toBe(true);
    expect(reloadsTable("gap", true)).toBe(true);
    expect(reloadsTable("connected", true)).toBe(false);
    expect(reloadsTable("reconnected", false)).toBe(false);
  });

  it("drops a chat that left the user's scope while the socket was down (the sync does not list it)", () => {
    // page 1, newest first: "a" from the server, "t" arrived live (later transferred away)
    let store = applyList(emptyStore(), [chat({ id: "a" })]);
    store = applyFrame(store, { type: "chat.changed", chat_id: "t", version: 1, data: chat({ id: "t", created_at: "2026-11-21T10:00:00Z" }) }).state;
    const rows = (s: ChatStoreState, pageIds: string[]) =>
      computeRows({ pageIds, store: s, filters: emptyFilters(), sort: "-created_at", page: 1 }).rows.map((c) => c.id);
    const shown = rows(store, ["a"]);
    expect(shown).toEqual(["t", "a"]);

    // the resync lists nothing about "t": it stays
    store = applySync(store, { items: [], deleted: [] });
    expect(rows(store, ["a"])).toEqual(["t", "a"]);

    // the re-read page (requested after the resync) accounts for the arrivals made before it
    const arrivedBefore = store.arrived;
    store = applyPage(store, [chat({ id: "a", version: 2 })], arrivedBefore);
    expect(rows(store, ["a"])).toEqual(["a"]);
    const missing = missingFromReload(shown, ["a"]);
    expect(missing).toEqual(["t"]);

    // "t" is not visible any more (its read answered 404): dropped from the store, as a chat.removed would
    const left = applyLeft(store, missing);
    expect(left.left).toEqual(["t"]);
    expect(left.state.chats.has("t")).toBe(false);
    expect(left.state.gone.get("t")).toBe(1);
    // an older snapshot does not bring it back; a newer one (transferred back) does
    expect(applyList(left.state, [chat({ id: "t", version: 1 })]).chats.has("t")).toBe(false);
    expect(applyList(left.state, [chat({ id: "t", version: 2 })]).chats.has("t")).toBe(true);
    expect(applyLeft(left.state, ["t", "unknown"]).left).toEqual([]);
  });

  it("keeps arrivals that came while the page was being read", () => {
    let store = applyFrame(emptyStore(), { type: "chat.changed", chat_id: "old", version: 1, data: chat({ id: "old" }) }).state;
    const arrivedBefore = store.arrived;
    store = applyFrame(store, { type: "chat.changed", chat_id: "new", version: 1, data: chat({ id: "new" }) }).state;
    store = applyPage(store, [], arrivedBefore);
    expect([...store.arrived]).toEqual(["new"]);
  });
});
