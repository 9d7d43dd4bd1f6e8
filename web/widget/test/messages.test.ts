import { describe, expect, it } from "vitest";
import type { MessageFrame } from "../src/api";
import {
  type Entry,
  MAX_ENTRIES,
  type Mine,
  type Theirs,
  addMine,
  addTheirs,
  authorLabel,
  fromFrame,
  isRatingRequest,
  linkify,
  maxCursor,
  mergeEntries,
  openRatingRequest,
  ratingText,
  unsent,
  updateMine,
} from "../src/messages";

const FEEDBACK = "How would you rate this conversation? Reply with a number from 1 (poor) to 5 (excellent).";

function frame(id: string, cursor: number, at: string, text = `reply ${id}`, type: "ai" | "agent" = "agent"): MessageFrame {
  return {
    type: "message",
    cursor,
    message: {
      id,
      chat_id: "c1",
      seq: cursor,
      author: { type, name: type === "agent" ? "Ana" : null },
      text,
      attachments: [],
      created_at: at,
    },
  };
}

const theirs = (id: string, cursor: number, atMs: number, text?: string, type: "ai" | "agent" = "agent"): Theirs =>
  fromFrame(frame(id, cursor, new Date(atMs).toISOString(), text, type));
const mine = (id: string, at: number, state: Mine["state"] = "sending", text = `mine ${id}`): Mine => ({
  kind: "mine",
  id,
  at,
  text,
  state,
});
const ids = (list: readonly Entry[]) => list.map((e) => e.id);

describe("adding replies", () => {
  it("reads a frame", () => {
    const reply = fromFrame(frame("m1", 7, "2025-01-02T03:04:05Z"));
    expect(reply).toMatchObject({ kind: "theirs", id: "m1", cursor: 7, at: Date.UTC(2025, 0, 2, 3, 4, 5) });
    expect(reply.author.name).toBe("Ana");
  });

  it("drops attachments that are not http(s) links", () => {
    const f = frame("m1", 1, "2025-01-01T00:00:00Z");
    f.message.attachments = [
      { url: "javascript:alert(1)", content_type: "text/html" },
      { url: "https://files.example/a.pdf", content_type: "application/pdf", name: "a.pdf" },
    ];
    expect(fromFrame(f).attachments.map((a) => a.url)).toEqual(["https://files.example/a.pdf"]);
  });

  it("ignores a reply it already has (a replay after reconnect), returning the same list", () => {
    const list = addTheirs([], theirs("m1", 1, 1000));
    expect(addTheirs(list, theirs("m1", 1, 1000))).toBe(list);
  });

  it("orders replies by cursor even when they arrive out of order", () => {
    let list: readonly Entry[] = [];
    list = addTheirs(list, theirs("m3", 3, 3000));
    list = addTheirs(list, theirs("m1", 1, 1000));
    list = addTheirs(list, theirs("m2", 2, 2000));
    expect(ids(list)).toEqual(["m1", "m2", "m3"]);
  });

  it("puts missed replies between the person's messages by time", () => {
    let list: readonly Entry[] = [mine("a", 1000, "sent"), mine("b", 5000, "sent")];
    list = addTheirs(list, theirs("r1", 1, 2000));
    list = addTheirs(list, theirs("r2", 2, 6000));
    expect(ids(list)).toEqual(["a", "r1", "b", "r2"]);
  });

  it("keeps insertion order for equal times", () => {
    let list: readonly Entry[] = [mine("a", 1000)];
    list = addTheirs(list, theirs("r1", 1, 1000));
    list = addMine(list, mine("b", 1000));
    expect(ids(list)).toEqual(["a", "r1", "b"]);
  });

  it("keeps only the newest entries", () => {
    let list: readonly Entry[] = [];
    for (let i = 1; i <= MAX_ENTRIES + 5; i++) list = addTheirs(list, theirs(`m${i}`, i, i * 1000));
    expect(list).toHaveLength(MAX_ENTRIES);
    expect(list[0]?.id).toBe("m6");
    expect(maxCursor(list)).toBe(MAX_ENTRIES + 5);
  });
});

describe("the person's messages", () => {
  it("does not add the same client_message_id twice", () => {
    const list = addMine([], mine("a", 1));
    expect(addMine(list, mine("a", 2))).toBe(list);
  });

  it("updates the state and clears a passing error once sent", () => {
    let list: readonly Entry[] = [{ ...mine("a", 1), error: "Not sent yet — will retry." }];
    list = updateMine(list, "a", { state: "sent" });
    expect(list[0]).toMatchObject({ state: "sent" });
    expect(list[0]).not.toHaveProperty("error");
  });

  it("returns the same list when there is nothing to update", () => {
    const list = [mine("a", 1)];
    expect(updateMine(list, "zzz", { state: "sent" })).toBe(list);
  });

  it("lists what is still to send, in order", () => {
    const list = [mine("a", 1, "sent"), mine("b", 2, "sending"), mine("c", 3, "failed"), mine("d", 4, "sending")];
    expect(unsent(list).map((m) => m.id)).toEqual(["b", "d"]);
  });
});

describe("merging two views of the conversation", () => {
  it("keeps every entry once, in order, each message in its furthest state", () => {
    const tabA: Entry[] = [mine("a", 1000, "sent"), theirs("r1", 1, 2000), mine("b", 3000, "sending")];
    const tabB: Entry[] = [mine("a", 1000, "sending"), mine("b", 3000, "sent"), theirs("r2", 2, 4000), mine("c", 3500)];
    const merged = mergeEntries(tabA, tabB);
    expect(ids(merged)).toEqual(["a", "r1", "b", "c", "r2"]);
    expect(merged.filter((e): e is Mine => e.kind === "mine").map((m) => m.state)).toEqual(["sent", "sent", "sending"]);
  });

  it("is the same list when the other view adds nothing", () => {
    const list: Entry[] = [mine("a", 1, "sent"), theirs("r1", 1, 2)];
    expect(mergeEntries(list, [...list])).toBe(list);
  });
});

describe("the rating request", () => {
  it("is the AI's Collect Feedback message", () => {
    expect(isRatingRequest(theirs("r", 1, 1, FEEDBACK, "ai"))).toBe(true);
    expect(isRatingRequest(theirs("r", 1, 1, FEEDBACK, "agent"))).toBe(false);
    expect(isRatingRequest(theirs("r", 1, 1, "Hello! How can I help?", "ai"))).toBe(false);
  });

  it("follows an explicit kind when the service gives one", () => {
    const f = frame("r", 1, "2025-01-01T00:00:00Z", "Any words", "ai");
    (f.message as unknown as { kind: string }).kind = "feedback_request";
    expect(isRatingRequest(fromFrame(f))).toBe(true);
    (f.message as unknown as { kind: string }).kind = "answer";
    expect(isRatingRequest(fromFrame({ ...f, message: { ...f.message, text: FEEDBACK } }))).toBe(false);
  });

  it("is open until the person writes after it", () => {
    const request = theirs("req", 2, 2000, FEEDBACK, "ai");
    let list: readonly Entry[] = [mine("a", 1000, "sent"), request];
    expect(openRatingRequest(list)?.id).toBe("req");
    list = addMine(list, { ...mine("rate", 3000), text: ratingText(4), rating: 4 });
    expect(openRatingRequest(list)).toBeNull();
  });

  it("stays open when only replies follow it", () => {
    const list = [theirs("req", 1, 1000, FEEDBACK, "ai"), theirs("r2", 2, 2000)];
    expect(openRatingRequest(list)?.id).toBe("req");
  });

  it("is answered in words the AI agent reads as a score", () => {
    const parseRating = /^\s*([1-5])\s*(?:(?:\/|out of|of)\s*5|stars?|★+)?\s*[.!]*\s*$/i; // aiagent's parse_rating
    for (let score = 1; score <= 5; score++) expect(parseRating.exec(ratingText(score))?.[1]).toBe(String(score));
  });
});

describe("display helpers", () => {
  it("names the author by alias, name, or role", () => {
    expect(authorLabel({ type: "agent", name: "Ana", alias: "Support" })).toBe("Support");
    expect(authorLabel({ type: "agent", name: "Ana" })).toBe("Ana");
    expect(authorLabel({ type: "ai" })).toBe("Assistant");
    expect(authorLabel({ type: "agent" })).toBe("Agent");
  });

  it("finds http(s) links in text, leaving trailing punctuation out", () => {
    expect(linkify("See https://ex.com/a?b=1. Thanks")).toEqual([
      { text: "See " },
      { text: "https://ex.com/a?b=1", href: "https://ex.com/a?b=1" },
      { text: ". Thanks" },
    ]);
    expect(linkify("javascript:alert(1)")).toEqual([{ text: "javascript:alert(1)" }]);
  });
});
