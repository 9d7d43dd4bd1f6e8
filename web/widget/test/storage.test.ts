import { describe, expect, it } from "vitest";
import type { Entry } from "../src/messages";
import {
  type KeyValue,
  type Session,
  WidgetStore,
  browserStorage,
  memoryStorage,
  needsRenewal,
  renewalAt,
  sessionExpired,
} from "../src/storage";

const session = (over: Partial<Session> = {}): Session => ({
  session_token: "tok",
  visitor_id: "visitor-1",
  expires_at: new Date(10_000).toISOString(),
  obtained_at: 0,
  ...over,
});

describe("the stored session", () => {
  it("is renewed past half its life and dead at its end", () => {
    const s = session();
    expect(renewalAt(s)).toBe(5000);
    expect(needsRenewal(s, 4999)).toBe(false);
    expect(needsRenewal(s, 5000)).toBe(true);
    expect(sessionExpired(s, 9999)).toBe(false);
    expect(sessionExpired(s, 10_000)).toBe(true);
    expect(sessionExpired(session({ expires_at: "garbage" }), 0)).toBe(true);
  });

  it("is kept per app id", () => {
    const storage = memoryStorage();
    const a = new WidgetStore(storage, "app-a");
    const b = new WidgetStore(storage, "app-b");
    a.saveSession(session());
    expect(a.session()?.session_token).toBe("tok");
    expect(b.session()).toBeNull();
    expect(storage.getItem("livechat:app-a:session")).toContain("visitor-1");
  });

  it("reads nothing from junk", () => {
    const storage = memoryStorage();
    const store = new WidgetStore(storage, "a");
    storage.setItem(store.keys.session, "{not json");
    expect(store.session()).toBeNull();
    storage.setItem(store.keys.session, JSON.stringify({ session_token: 5 }));
    expect(store.session()).toBeNull();
    storage.setItem(store.keys.log, JSON.stringify([{ kind: "mine", id: "x" }, 7, null, { kind: "evil" }]));
    expect(store.entries()).toEqual([]);
    storage.setItem(store.keys.cursor, JSON.stringify("12"));
    expect(store.cursor()).toBe(0);
  });
});

describe("the stored conversation", () => {
  const a: Entry = { kind: "mine", id: "a", at: 1, text: "hi", state: "sent" };
  const r: Entry = { kind: "theirs", id: "r", cursor: 4, at: 2, author: { type: "ai" }, text: "hello", attachments: [] };

  it("round-trips and merges with what another tab stored", () => {
    const storage = memoryStorage();
    const tab1 = new WidgetStore(storage, "app");
    const tab2 = new WidgetStore(storage, "app");
    tab1.saveEntries([a]);
    const merged = tab2.saveEntries([r]);
    expect(merged.map((e) => e.id)).toEqual(["a", "r"]);
    expect(tab1.entries().map((e) => e.id)).toEqual(["a", "r"]);
  });

  it("keeps the cursor monotonic and at least the newest stored reply's", () => {
    const store = new WidgetStore(memoryStorage(), "app");
    store.saveEntries([r]);
    expect(store.cursor()).toBe(4);
    store.saveCursor(9);
    store.saveCursor(3);
    expect(store.cursor()).toBe(9);
  });

  it("forgets everything of a visitor on clear", () => {
    const storage = memoryStorage();
    const store = new WidgetStore(storage, "app");
    store.saveSession(session());
    store.saveEntries([a]);
    store.saveCursor(3);
    store.clear();
    expect([store.session(), store.entries(), store.cursor()]).toEqual([null, [], 0]);
  });
});

describe("browser storage", () => {
  it("falls back to memory when localStorage throws", () => {
    const kv = browserStorage(() => {
      throw new DOMException("denied", "SecurityError");
    });
    kv.setItem("k", "v");
    expect(kv.getItem("k")).toBe("v");
  });

  it("keeps working when writes fail (quota)", () => {
    let quota = false;
    const backing = memoryStorage();
    const flaky: KeyValue = {
      getItem: (k) => backing.getItem(k),
      removeItem: (k) => backing.removeItem(k),
      setItem: (k, v) => {
        if (quota) throw new DOMException("full", "QuotaExceededError");
        backing.setItem(k, v);
      },
    };
    const kv = browserStorage(() => flaky as unknown as Storage);
    quota = true;
    expect(() => kv.setItem("k", "v")).not.toThrow();
  });
});
