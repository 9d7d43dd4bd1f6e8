// The controller against a fake ingest: fetch answers, sockets opened and closed by hand, timers run
// by hand. No DOM.
import { beforeEach, describe, expect, it } from "vitest";
import { WebchatApi } from "../src/api";
import { ChatController, type SocketLike } from "../src/chat";
import { socketUrl } from "../src/config";
import type { Mine } from "../src/messages";
import { WidgetStore, memoryStorage } from "../src/storage";

const FEEDBACK = "How would you rate this conversation? Reply with a number from 1 (poor) to 5 (excellent).";
const DAY = 24 * 3600 * 1000;

class FakeSocket implements SocketLike {
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  closed = false;
  constructor(readonly url: string) {}
  close(): void {
    this.closed = true;
  }
  open(): void {
    this.onopen?.(new Event("open"));
  }
  push(cursor: number, id: string, text: string, type = "agent", at = "2025-01-01T10:00:00Z"): void {
    const message = { id, chat_id: "c", seq: cursor, author: { type, name: type === "agent" ? "Ana" : null }, text, attachments: [], created_at: at };
    this.onmessage?.({ data: JSON.stringify({ type: "message", cursor, message }) } as MessageEvent);
  }
  drop(code = 1006): void {
    this.onclose?.({ code } as CloseEvent);
  }
  get after(): string | null {
    return new URL(this.url).searchParams.get("after");
  }
  get token(): string | null {
    return new URL(this.url).searchParams.get("token");
  }
}

interface Call {
  path: string;
  body: Record<string, unknown>;
  auth: string | null;
}

type Answer = { status: number; body: unknown; headers?: Record<string, string> } | "network";

function harness(storage = memoryStorage()) {
  let clock = Date.UTC(2025, 0, 1, 10);
  let tokens = 0;
  let ids = 0;
  const calls: Call[] = [];
  const sockets: FakeSocket[] = [];
  const timers: Array<{ run: () => void; at: number; id: number }> = [];
  let timerIds = 0;
  /** Answers for the next message POSTs (default: accepted). */
  const messageAnswers: Answer[] = [];
  const sessionAnswers: Answer[] = [];

  const respond = (answer: Answer): Response => {
    if (answer === "network") throw new TypeError("Failed to fetch");
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: answer.headers ?? {} });
  };

  const fetcher = async (url: string, init: RequestInit): Promise<Response> => {
    const path = new URL(url).pathname;
    const headers = init.headers as Record<string, string>;
    const body = JSON.parse(String(init.body)) as Record<string, unknown>;
    calls.push({ path, body, auth: headers.authorization ?? null });
    if (path.endsWith("/sessions")) {
      const answer = sessionAnswers.shift();
      if (answer) return respond(answer);
      tokens++;
      return respond({
        status: 201,
        body: { session_token: `tok${tokens}`, visitor_id: (body.visitor_id as string) ?? "visitor-1", expires_at: new Date(clock + 7 * DAY).toISOString() },
      });
    }
    const answer = messageAnswers.shift();
    if (answer) return respond(answer);
    return respond({ status: 202, body: { status: "accepted", client_message_id: body.client_message_id } });
  };

  const store = new WidgetStore(storage, "app1");
  const make = (identity?: { visitorId: string; visitorHash: string }) =>
    new ChatController({
      ...(identity ? { identity } : {}),
      api: new WebchatApi("http://ingest.test", "app1", fetcher),
      store,
      socketUrl: (token, after) => socketUrl("http://ingest.test", "app1", token, after),
      openSocket: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      profile: { language: "en" },
      now: () => clock,
      newId: () => `cm${++ids}`,
      random: () => 0,
      setTimer: (run, ms) => {
        const id = ++timerIds;
        timers.push({ run, at: clock + ms, id });
        return id;
      },
      clearTimer: (id) => {
        const index = timers.findIndex((t) => t.id === id);
        if (index >= 0) timers.splice(index, 1);
      },
    });

  /** A visitor who chatted before on this browser: a session issued (tok1) and stored. */
  const returning = async (): Promise<void> => {
    const response = await fetcher("http://ingest.test/v1/webchat/app1/sessions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    const session = (await response.json()) as { session_token: string; visitor_id: string; expires_at: string };
    store.saveSession({ ...session, obtained_at: clock });
  };

  return {
    returning,
    calls,
    sockets,
    store,
    storage,
    messageAnswers,
    sessionAnswers,
    make,
    get last(): FakeSocket {
      const socket = sockets[sockets.length - 1];
      if (!socket) throw new Error("no socket");
      return socket;
    },
    /** Let pending promises settle. */
    async settle(): Promise<void> {
      for (let i = 0; i < 20; i++) await Promise.resolve();
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
    /** Advance the clock by `ms`, running due timers. */
    async advance(ms: number): Promise<void> {
      const end = clock + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > end) break;
        timers.shift();
        clock = next.at;
        next.run();
        await this.settle();
      }
      clock = end;
    },
  };
}

type Harness = ReturnType<typeof harness>;
const mineOf = (chat: ChatController): Mine[] => chat.current.entries.filter((e): e is Mine => e.kind === "mine");

describe("ChatController", () => {
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });

  it("spends no session on a page view: only once the person writes", async () => {
    const chat = h.make();
    chat.start();
    await h.settle();
    expect(h.calls).toEqual([]);
    expect(chat.current.status).toBe("idle");
    chat.send("Hi");
    await h.settle();
    expect(h.calls[0]).toMatchObject({ path: "/v1/webchat/app1/sessions", body: { language: "en" }, auth: null });
    expect(h.calls[1]).toMatchObject({ path: "/v1/webchat/app1/messages", auth: "Bearer tok1" });
    expect(h.last.url).toBe("ws://ingest.test/v1/webchat/app1/ws?token=tok1&after=0");
    h.last.open();
    expect(chat.current.status).toBe("online");
  });

  it("a returning visitor's expired session is forgotten, with its conversation, until they write", async () => {
    await h.returning();
    h.store.saveEntries([{ kind: "theirs", id: "old", cursor: 3, at: 1, author: { type: "agent" }, text: "bye", attachments: [] }]);
    await h.advance(8 * DAY);
    const chat = h.make();
    chat.start();
    await h.settle();
    expect(chat.current.status).toBe("idle");
    expect(chat.current.entries).toEqual([]);
    expect(h.store.session()).toBeNull();
    expect(h.sockets).toHaveLength(0);
  });

  it("with identity verification, proves the visitor with the site's hash and keeps the conversation", async () => {
    const hash = "ab".repeat(32);
    const chat = h.make({ visitorId: "user-12345", visitorHash: hash });
    chat.start();
    await h.settle();
    expect(h.calls[0]?.body).toEqual({ language: "en", visitor_id: "user-12345", visitor_hash: hash });
    expect(h.last.after).toBe("0");
    h.last.open();
    h.last.push(9, "r9", "replied on another device");
    chat.stop();
    const other = h.make({ visitorId: "someone-else", visitorHash: hash });
    other.start();
    await h.settle();
    expect(other.current.entries).toEqual([]); // another person signed in on this browser
    expect(h.calls.at(-1)?.body).toMatchObject({ visitor_id: "someone-else" });
  });

  it("sends a message with its client_message_id: sending, then sent", async () => {
    const chat = h.make();
    await h.returning();
    chat.start();
    await h.settle();
    h.last.open();
    chat.send("  Hello there  ");
    expect(mineOf(chat)).toMatchObject([{ id: "cm1", text: "Hello there", state: "sending" }]);
    await h.settle();
    const post = h.calls.find((c) => c.path.endsWith("/messages"));
    expect(post).toMatchObject({ body: { text: "Hello there", client_message_id: "cm1", attachments: [] }, auth: "Bearer tok1" });
    expect(mineOf(chat)[0]?.state).toBe("sent");
    expect(h.store.entries()).toHaveLength(1);
  });

  it("holds messages back on a passing failure and resends them, in order, with the same id", async () => {
    const chat = h.make();
    await h.returning();
    chat.start();
    await h.settle();
    h.messageAnswers.push("network", { status: 429, body: { error: { code: "rate_limited", message: "too many messages" } }, headers: { "retry-after": "5" } });
    chat.send("one");
    chat.send("two");
    await h.settle();
    expect(mineOf(chat).map((m) => m.state)).toEqual(["sending", "sending"]);
    expect(mineOf(chat)[0]?.error).toBe("Not sent yet — will retry.");
    await h.advance(1000);
    expect(mineOf(chat)[0]?.error).toBe("too many messages");
    await h.advance(5000);
    const sent = h.calls.filter((c) => c.path.endsWith("/messages")).map((c) => c.body.client_message_id);
    expect(sent).toEqual(["cm1", "cm1", "cm1", "cm2"]);
    expect(mineOf(chat).map((m) => m.state)).toEqual(["sent", "sent"]);
  });

  it("marks a refused message failed, and retries it on demand", async () => {
    const chat = h.make();
    await h.returning();
    chat.start();
    await h.settle();
    h.messageAnswers.push({ status: 422, body: { error: { code: "validation_failed", message: "too long" } } });
    chat.send("x");
    await h.settle();
    expect(mineOf(chat)[0]).toMatchObject({ state: "failed", error: "too long" });
    chat.retry("cm1");
    await h.settle();
    expect(mineOf(chat)[0]?.state).toBe("sent");
  });

  it("shows a banned person the service's notice", async () => {
    const chat = h.make();
    await h.returning();
    chat.start();
    await h.settle();
    h.messageAnswers.push({ status: 202, body: { status: "banned", client_message_id: "cm1", notice: "You are banned." } });
    chat.send("hi");
    await h.settle();
    expect(mineOf(chat)[0]).toMatchObject({ state: "banned", error: "You are banned." });
  });

  it("shows replies live, once each, and remembers the cursor", async () => {
    const chat = h.make();
    const seen: string[] = [];
    chat.onReply((r) => seen.push(r.id));
    await h.returning();
    chat.start();
    await h.settle();
    h.last.open();
    h.last.push(1, "r1", "Hi, I am the assistant", "ai");
    h.last.push(1, "r1", "Hi, I am the assistant", "ai");
    h.last.push(2, "r2", "Ana here");
    expect(chat.current.entries.map((e) => e.id)).toEqual(["r1", "r2"]);
    expect(seen).toEqual(["r1", "r2"]);
    expect(h.store.cursor()).toBe(2);
  });

  it("reconnects with backoff, resuming after the last cursor, and drops replayed duplicates", async () => {
    const chat = h.make();
    await h.returning();
    chat.start();
    await h.settle();
    h.last.open();
    h.last.push(1, "r1", "first");
    h.last.drop();
    expect(chat.current.status).toBe("reconnecting");
    await h.advance(999);
    expect(h.sockets).toHaveLength(1);
    await h.advance(1);
    expect(h.sockets).toHaveLength(2);
    expect(h.last.after).toBe("1");
    h.last.open();
    h.last.push(1, "r1", "first"); // a replica replays it anyway
    h.last.push(2, "r2", "missed while away");
    expect(chat.current.entries.map((e) => e.id)).toEqual(["r1", "r2"]);
  });

  it("backs off further while the service stays away, and starts over once connected", async () => {
    const chat = h.make();
    await h.returning();
    chat.start();
    await h.settle();
    h.last.open();
    h.last.drop();
    await h.advance(1000); // attempt 2
    h.last.drop(); // refused handshake (1/2)
    await h.advance(2000); // attempt 3
    expect(h.sockets).toHaveLength(3);
    h.last.open();
    h.last.drop();
    await h.advance(1000);
    expect(h.sockets).toHaveLength(4);
  });

  it("after a reload shows the conversation and resumes the socket with the saved token", async () => {
    const chat = h.make();
    await h.returning();
    chat.start();
    await h.settle();
    h.last.open();
    chat.send("before reload");
    await h.settle();
    h.last.push(3, "r3", "reply");
    chat.stop();
    expect(h.last.closed).toBe(true);

    const reloaded = h.make();
    expect(reloaded.current.entries.map((e) => e.id)).toEqual(["cm1", "r3"]);
    reloaded.start();
    await h.settle();
    expect(h.calls.filter((c) => c.path.endsWith("/sessions"))).toHaveLength(1);
    expect(h.last.token).toBe("tok1");
    expect(h.last.after).toBe("3");
  });

  it("resends after a reload what was still being sent (the same client_message_id)", async () => {
    const chat = h.make();
    await h.returning();
    chat.start();
    await h.settle();
    h.messageAnswers.push("network");
    chat.send("lost in the reload");
    await h.settle();
    chat.stop();
    const reloaded = h.make();
    reloaded.start();
    await h.settle();
    h.last.open();
    await h.settle();
    const ids = h.calls.filter((c) => c.path.endsWith("/messages")).map((c) => c.body.client_message_id);
    expect(ids).toEqual(["cm1", "cm1"]);
    expect(mineOf(reloaded)[0]?.state).toBe("sent");
  });

  it("renews the session at half its life, proven with the old token, and resumes", async () => {
    const chat = h.make();
    await h.returning();
    chat.start();
    await h.settle();
    h.last.open();
    h.last.push(5, "r5", "x");
    await h.advance(3.5 * DAY);
    const renewal = h.calls.filter((c) => c.path.endsWith("/sessions"))[1];
    expect(renewal).toMatchObject({ body: { visitor_id: "visitor-1" }, auth: "Bearer tok1" });
    expect(h.last.token).toBe("tok2");
    expect(h.last.after).toBe("5");
    expect(h.sockets[0]?.closed).toBe(true);
  });

  it("on close code 4001 proves the visitor anew before reconnecting", async () => {
    const chat = h.make();
    await h.returning();
    chat.start();
    await h.settle();
    h.last.open();
    h.last.drop(4001);
    await h.advance(1000);
    expect(h.calls.filter((c) => c.path.endsWith("/sessions"))).toHaveLength(2);
    expect(h.last.token).toBe("tok2");
  });

  it("starts over as a new visitor when the old token proves nothing, keeping unsent words", async () => {
    const chat = h.make();
    await h.returning();
    chat.start();
    await h.settle();
    h.last.open();
    h.last.push(1, "r1", "old chat");
    h.last.drop();
    await h.advance(1000);
    h.last.drop(); // a refused handshake
    await h.advance(2000);
    h.last.drop(); // refused twice: the token is suspected
    h.messageAnswers.push("network", "network", "network", "network");
    chat.send("still here?");
    await h.settle();
    h.sessionAnswers.push({ status: 403, body: { error: { code: "visitor_unverified", message: "no" } } });
    await h.advance(4000);
    const sessions = h.calls.filter((c) => c.path.endsWith("/sessions"));
    expect(sessions.map((c) => c.auth)).toEqual([null, "Bearer tok1", null]);
    expect(chat.current.entries.map((e) => e.id)).toEqual(["cm1"]);
    expect(h.store.cursor()).toBe(0);
    expect(h.last.after).toBe("0");
  });

  it("shows the rating request and answers it in words the AI agent reads", async () => {
    const chat = h.make();
    await h.returning();
    chat.start();
    await h.settle();
    h.last.open();
    h.last.push(4, "req", FEEDBACK, "ai", "2025-01-01T10:05:00Z");
    expect(chat.current.rating?.id).toBe("req");
    chat.rate(4);
    expect(chat.current.rating).toBeNull();
    await h.settle();
    const post = h.calls.filter((c) => c.path.endsWith("/messages")).at(-1);
    expect(post?.body.text).toBe("4 stars");
    expect(mineOf(chat)[0]).toMatchObject({ rating: 4, state: "sent" });
    chat.rate(5); // nothing to answer any more
    await h.settle();
    expect(h.calls.filter((c) => c.path.endsWith("/messages"))).toHaveLength(1);
  });

  it("picks up what another tab stored", async () => {
    const chat = h.make();
    const other = new WidgetStore(h.storage, "app1");
    other.saveEntries([{ kind: "mine", id: "tab2", at: 5, text: "from the other tab", state: "sent" }]);
    chat.syncFromStorage();
    expect(chat.current.entries.map((e) => e.id)).toEqual(["tab2"]);
  });
});
