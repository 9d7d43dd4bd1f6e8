// The conversation as the person sees it: their own messages (known only here — the service sends
// a person replies, never their own words back) and the replies of the AI and the agents (from the
// socket, each with its mailbox cursor). Pure functions over immutable arrays: merge, dedupe, order.
import type { Attachment, Author, MessageFrame } from "./api";

/** How a message of the person's stands: being sent (or waiting to be sent again), accepted by the
 * service, refused for good, or stopped because the person is banned. */
export type SendState = "sending" | "sent" | "failed" | "banned";

export interface Mine {
  kind: "mine";
  /** The `client_message_id`: the same on every resend, so the service keeps it once. */
  id: string;
  /** When it was written (this browser's clock, ms). */
  at: number;
  text: string;
  state: SendState;
  /** Why it failed, or the ban notice. */
  error?: string;
  /** Set when the message answers a rating request: the score 1–5. */
  rating?: number;
}

export interface Theirs {
  kind: "theirs";
  /** The message id (stable across replays: what duplicates are recognised by). */
  id: string;
  cursor: number;
  /** Its `created_at` (ms). */
  at: number;
  author: Author;
  text: string;
  attachments: Attachment[];
  /** What kind of reply it is, should the service say (a `kind` on the message, e.g.
   * `feedback_request`; today's `MessageView` has none). */
  replyKind?: string;
}

export type Entry = Mine | Theirs;

/** How many entries are kept (in memory and in storage). */
export const MAX_ENTRIES = 200;

/** The order shown: by time, ties kept in the order they were added (a stable insertion). Replies
 * share a clock (the service's), so among themselves they also follow their cursor. */
function before(a: Entry, b: Entry): boolean {
  if (a.kind === "theirs" && b.kind === "theirs" && a.cursor !== b.cursor) return a.cursor < b.cursor;
  return a.at < b.at;
}

/** `list` with `entry` inserted in order (after every entry it does not come before). */
function insert(list: readonly Entry[], entry: Entry): Entry[] {
  let index = list.length;
  while (index > 0 && before(entry, list[index - 1] as Entry)) index--;
  return [...list.slice(0, index), entry, ...list.slice(index)];
}

/** A reply from a socket frame. */
export function fromFrame(frame: MessageFrame): Theirs {
  const parsed = Date.parse(frame.message.created_at);
  const reply: Theirs = {
    kind: "theirs",
    id: frame.message.id,
    cursor: frame.cursor,
    at: Number.isFinite(parsed) ? parsed : 0,
    author: frame.message.author,
    text: frame.message.text,
    attachments: (frame.message.attachments ?? []).filter((a) => isHttpUrl(a.url)),
  };
  const replyKind = (frame.message as { kind?: unknown }).kind;
  if (typeof replyKind === "string") reply.replyKind = replyKind;
  return reply;
}

/** `list` with the reply added; the very same array when it is already there (a replay after a
 * reconnect, or the same reply pushed to two sockets), so a caller can tell nothing changed. */
export function addTheirs(list: readonly Entry[], reply: Theirs): readonly Entry[] {
  if (list.some((entry) => entry.kind === "theirs" && entry.id === reply.id)) return list;
  return trim(insert(list, reply));
}

/** `list` with the person's new message (the same array when its id is already there). */
export function addMine(list: readonly Entry[], message: Mine): readonly Entry[] {
  if (list.some((entry) => entry.kind === "mine" && entry.id === message.id)) return list;
  return trim(insert(list, message));
}

/** `list` with the person's message `id` changed by `patch`. */
export function updateMine(
  list: readonly Entry[],
  id: string,
  patch: Partial<Pick<Mine, "state" | "error">>,
): readonly Entry[] {
  let changed = false;
  const next = list.map((entry) => {
    if (entry.kind !== "mine" || entry.id !== id) return entry;
    changed = true;
    const updated: Mine = { ...entry, ...patch };
    if (patch.state && patch.state !== "failed" && patch.state !== "banned" && !("error" in patch)) {
      delete updated.error;
    }
    return updated;
  });
  return changed ? next : list;
}

/** Which of two states of the same message wins a merge: an answer from the service (sent, banned)
 * over none; between `sending` and `failed` the caller's own (a retry moves failed → sending). */
const STATE_RANK: Record<SendState, number> = { sending: 0, failed: 0, sent: 1, banned: 1 };

/** Two views of the same conversation as one (this tab's and another tab's, or memory and storage):
 * every entry once, a message of the person's in its furthest state, in order, the newest kept. */
export function mergeEntries(ours: readonly Entry[], theirs: readonly Entry[]): readonly Entry[] {
  let merged: readonly Entry[] = ours;
  for (const entry of theirs) {
    if (entry.kind === "theirs") {
      merged = addTheirs(merged, entry);
      continue;
    }
    const existing = merged.find((e): e is Mine => e.kind === "mine" && e.id === entry.id);
    if (!existing) merged = addMine(merged, entry);
    else if (STATE_RANK[entry.state] > STATE_RANK[existing.state]) {
      merged = updateMine(merged, entry.id, entry.error ? { state: entry.state, error: entry.error } : { state: entry.state });
    }
  }
  return merged;
}

/** The newest `MAX_ENTRIES` entries. */
export function trim(list: Entry[]): Entry[] {
  return list.length > MAX_ENTRIES ? list.slice(list.length - MAX_ENTRIES) : list;
}

/** The highest cursor of the replies in `list` (0 without any). */
export function maxCursor(list: readonly Entry[]): number {
  return list.reduce((max, entry) => (entry.kind === "theirs" && entry.cursor > max ? entry.cursor : max), 0);
}

/** The person's messages to send (again): those still `sending` — cut off by a reload, or held
 * back by a passing failure (offline, rate limited, the service busy). */
export function unsent(list: readonly Entry[]): Mine[] {
  return list.filter((entry): entry is Mine => entry.kind === "mine" && entry.state === "sending");
}

// --- the rating request -------------------------------------------------------------------------

/** The AI agent's Collect Feedback request (services/aiagent/.../conversations/rules.py). The
 * socket's `MessageView` does not say what kind of reply a message is, so the request is known by
 * its author (the AI) and its words: "rate" and the scale "1 … 5". */
const RATING_REQUEST = /\brat(e|ing)\b[\s\S]*\b1\b[\s\S]*\b5\b/i;

export function isRatingRequest(entry: Entry): entry is Theirs {
  if (entry.kind !== "theirs" || entry.author.type !== "ai") return false;
  if (entry.replyKind !== undefined) return entry.replyKind === "feedback_request";
  return RATING_REQUEST.test(entry.text);
}

/** The rating request the person may still answer: the newest one, while nothing of the person's
 * came after it (the AI agent reads only the very next message as the answer). */
export function openRatingRequest(list: readonly Entry[]): Theirs | null {
  for (let index = list.length - 1; index >= 0; index--) {
    const entry = list[index] as Entry;
    if (entry.kind === "mine") return null;
    if (isRatingRequest(entry)) return entry;
  }
  return null;
}

/** What the person sends to answer a rating request: a form the AI agent reads as the score. */
export function ratingText(score: number): string {
  return score === 1 ? "1 star" : `${score} stars`;
}

// --- display helpers ------------------------------------------------------------------------------

/** Who wrote a reply, as the person is shown it. */
export function authorLabel(author: Author): string {
  const name = author.alias || author.name;
  if (name) return name;
  return author.type === "ai" ? "Assistant" : author.type === "system" ? "" : "Agent";
}

export function isHttpUrl(url: string): boolean {
  return /^https?:\/\/[^\s]+$/i.test(url);
}

/** `text` split into plain runs and http(s) links, to render as text nodes and anchors. */
export function linkify(text: string): Array<{ text: string; href?: string }> {
  const parts: Array<{ text: string; href?: string }> = [];
  const pattern = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/gi;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const start = match.index ?? 0;
    if (start > last) parts.push({ text: text.slice(last, start) });
    parts.push({ text: match[0], href: match[0] });
    last = start + match[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}
