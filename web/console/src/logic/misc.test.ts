import { describe, expect, it } from "vitest";
import type { CannedReply } from "../api/types";
import { can, canOnChat, isAdmin, meFrom, type Me } from "../auth/permissions";
import { isExpired, readClaims } from "../auth/session";
import { normaliseBase, streamUrl } from "../config";
import { cannedMatches, insertCanned, replyAction, shortcutAt } from "./composer";
import { chat, message } from "./fixtures";
import { computeRows, describeTotal } from "./tableRows";
import { applyFrame, applyList, emptyStore } from "./chatStore";
import { emptyFilters } from "./filters";
import { mergeMessages, mergeNote, missingAfter, timeline } from "./timeline";

const canned = (shortcut: string, title = shortcut, body = `body of ${shortcut}`): CannedReply => ({
  id: shortcut,
  workspace_id: "w",
  teamspace_id: "ts",
  shortcut,
  title,
  body,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
});

describe("canned replies by shortcut", () => {
  it("finds the /word at the caret", () => {
    expect(shortcutAt("/gre", 4)).toEqual({ query: "gre", start: 0 });
    expect(shortcutAt("hi /th", 6)).toEqual({ query: "th", start: 3 });
    expect(shortcutAt("a/b", 3)).toBeNull();
    expect(shortcutAt("/", 1)).toEqual({ query: "", start: 0 });
  });

  it("matches shortcuts first, then titles", () => {
    const list = [canned("thanks"), canned("hello", "Say thanks"), canned("bye")];
    expect(cannedMatches(list, "th").map((r) => r.shortcut)).toEqual(["thanks", "hello"]);
  });

  it("replaces the /word with the body", () => {
    expect(insertCanned("Hi /gr!", 3, 6, canned("gr", "g", "{{person.name}}"))).toEqual({
      text: "Hi {{person.name}}!",
      caret: 18,
    });
  });
});

describe("reply action", () => {
  const base = { userId: "me", canManage: true, canTransfer: false };
  it("sends for the assignee and for an unassigned livechat", () => {
    expect(replyAction({ ...base, assigneeId: "me", mode: "live" })).toBe("send");
    expect(replyAction({ ...base, assigneeId: null, mode: "live" })).toBe("send");
  });
  it("takes over an AI chat, or another's chat with the transfer permission", () => {
    expect(replyAction({ ...base, assigneeId: null, mode: "ai" })).toBe("takeover");
    expect(replyAction({ ...base, assigneeId: "other", mode: "live" })).toBe("none");
    expect(replyAction({ ...base, canTransfer: true, assigneeId: "other", mode: "live" })).toBe("takeover");
    expect(replyAction({ ...base, canManage: false, assigneeId: "me", mode: "live" })).toBe("none");
  });
});

describe("session and permissions", () => {
  const token = (payload: object) =>
    `e30.${btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(payload)))).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_")}.sig`;

  it("reads the token's claims", () => {
    const claims = readClaims(token({ sub: "u1", ws: "w1", exp: 100, name: "Zoë" }));
    expect(claims).toEqual({ sub: "u1", ws: "w1", exp: 100, name: "Zoë", role: null });
    expect(isExpired(claims as never, 100_000)).toBe(true);
    expect(readClaims("nope")).toHaveProperty("error");
    expect(readClaims(token({ ws: "w" }))).toHaveProperty("error");
  });

  it("takes the effective permissions from GET /me and scopes them to chats", () => {
    // an agent whose own grant (export) and team's grant (transfer) the services added to the role's
    const me = meFrom({
      user: {
        id: "me",
        workspace_id: "w",
        name: "Me",
        email: "me@example.com",
        role: "agent",
        team_ids: ["t1"],
        grants: ["export"],
        languages: [],
        max_chats: null,
        active: true,
        created_at: "2026-01-01T00:00:00Z",
        version: 1,
      },
      permissions: ["view", "manage", "download", "export", "transfer"],
    });
    expect(me).toMatchObject({ id: "me", workspaceId: "w", role: "agent", teamIds: ["t1"] });
    expect([...me.permissions].sort()).toEqual(["download", "export", "manage", "transfer", "view"]);
    expect(can(me, "export")).toBe(true);
    expect(can(me, "transfer")).toBe(true);
    expect(can(me, "delete")).toBe(false);
    expect(can(null, "view")).toBe(false);
    expect(canOnChat(me, { assignee_id: null, team_ids: ["t1"] }, "manage")).toBe(true);
    expect(canOnChat(me, { assignee_id: "other", team_ids: ["t1"] }, "manage")).toBe(false);
    expect(canOnChat(me, { assignee_id: "me", team_ids: [] }, "delete")).toBe(false);
    expect(isAdmin(me)).toBe(false);
  });

  it("honours only what GET /me lists (a role's usual permission left out is not assumed)", () => {
    const me: Me = { id: "s", workspaceId: "w", name: "S", role: "supervisor", teamIds: ["t1"], permissions: new Set(["view"]) };
    expect(can(me, "delete")).toBe(false);
    expect(canOnChat(me, { assignee_id: "other", team_ids: ["t1"] }, "view")).toBe(true);
    expect(canOnChat(me, { assignee_id: "other", team_ids: ["t2"] }, "view")).toBe(false);
  });
});

describe("config", () => {
  it("builds the stream URL from a relative or absolute base", () => {
    expect(streamUrl("", "a.b.c", "https://console.example")).toBe("wss://console.example/inbox/v1/stream?token=a.b.c");
    expect(streamUrl("http://127.0.0.1:8080/", "t", "https://x")).toBe("ws://127.0.0.1:8080/inbox/v1/stream?token=t");
    expect(normaliseBase(" /proxy/ ")).toBe("/proxy");
  });
});

describe("table rows from the page and the live store", () => {
  it("drops rows that left or stopped matching, and adds live arrivals on page 1", () => {
    let store = applyList(emptyStore(), [
      chat({ id: "a", created_at: "2026-11-20T10:00:00Z" }),
      chat({ id: "b", created_at: "2026-11-19T10:00:00Z" }),
      chat({ id: "c", created_at: "2026-11-18T10:00:00Z" }),
    ]);
    const filters = { ...emptyFilters(), status: ["open" as const] };
    store = applyFrame(store, { type: "chat.changed", chat_id: "b", version: 2, data: chat({ id: "b", version: 2, status: "resolved" }) }).state;
    store = applyFrame(store, { type: "chat.removed", chat_id: "c", version: 2, data: null }).state;
    store = applyFrame(store, { type: "chat.changed", chat_id: "n", version: 1, data: chat({ id: "n", created_at: "2026-11-21T10:00:00Z" }) }).state;
    store = applyFrame(store, { type: "chat.changed", chat_id: "x", version: 1, data: chat({ id: "x", status: "closed" }) }).state;
    const r = computeRows({ pageIds: ["a", "b", "c"], store, filters, sort: "-created_at", page: 1 });
    expect(r.rows.map((c) => c.id)).toEqual(["n", "a"]);
    expect(r.added).toBe(1);
    expect(r.dropped).toBe(2);
    expect(computeRows({ pageIds: ["a", "b", "c"], store, filters, sort: "-created_at", page: 2 }).rows.map((c) => c.id)).toEqual(["a"]);
  });

  it("describes the total, inexact ones as more than N", () => {
    expect(describeTotal(1, true)).toBe("1 chat");
    expect(describeTotal(10000, false)).toBe("more than 10,000 chats");
    expect(describeTotal(5, true, 2, 1)).toBe("6 chats");
  });
});

describe("timeline", () => {
  it("merges messages by id in seq order and detects a seq gap", () => {
    const merged = mergeMessages([message({ id: "1", seq: 1 }), message({ id: "2", seq: 2 })], [
      message({ id: "2", seq: 2, delivery: "read" }),
      message({ id: "3", seq: 3 }),
    ]);
    expect(merged.map((m) => [m.id, m.delivery])).toEqual([["1", null], ["2", "read"], ["3", null]]);
    expect(missingAfter(merged, message({ id: "5", seq: 5 }))).toBe(3);
    expect(missingAfter(merged, message({ id: "4", seq: 4 }))).toBeNull();
  });

  it("places notes among messages by time and removes deleted ones", () => {
    const note = {
      id: "n1",
      chat_id: "c1",
      body: "internal",
      colour: "yellow" as const,
      author: { id: "u", name: "U" },
      created_at: "2026-11-20T10:00:01.500Z",
      updated_at: "2026-11-20T10:00:01.500Z",
    };
    const items = timeline([message({ id: "2", seq: 2 }), message({ id: "1", seq: 1 })], [note]);
    expect(items.map((i) => (i.kind === "note" ? "note" : i.message.id))).toEqual(["1", "note", "2"]);
    expect(mergeNote([note], note, true)).toEqual([]);
  });
});
