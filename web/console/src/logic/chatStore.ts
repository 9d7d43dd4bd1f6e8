/**
 * The chats the console knows, merged from list pages, stream frames and sync pages by the chat's
 * `version` (it grows with every change): a stale frame never overwrites a newer state, a removed or
 * deleted chat is not brought back by an older frame, and a frame whose version skips one the
 * client has not seen reports a gap (the caller then resyncs from `GET /v1/sync`).
 *
 * Pure functions over an immutable state, so React can compare states by reference.
 */
import type { Chat, Message, Note, SyncPage } from "../api/types";

/** A frame of `WS /inbox/v1/stream` (services/inbox/src/inbox/realtime/rules.py). */
export type StreamFrame =
  | { type: "chat.changed"; chat_id: string; version: number; data: Chat }
  | { type: "chat.removed"; chat_id: string; version: number; data: null }
  | { type: "chat.deleted"; chat_id: string; version: number; data: null }
  | { type: "message.created"; chat_id: string; version: number; data: Message }
  | { type: "message.updated"; chat_id: string; version: number; data: Message }
  | { type: "note.changed"; chat_id: string; version: number; data: { note: Note; deleted: boolean } };

const FRAME_TYPES = new Set([
  "chat.changed",
  "chat.removed",
  "chat.deleted",
  "message.created",
  "message.updated",
  "note.changed",
]);

/** A frame from the socket's text, or `null` for anything else (unknown types are ignored). */
export function parseFrame(text: string): StreamFrame | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const frame = value as Record<string, unknown>;
  if (typeof frame["type"] !== "string" || !FRAME_TYPES.has(frame["type"])) return null;
  if (typeof frame["chat_id"] !== "string" || typeof frame["version"] !== "number") return null;
  if (frame["type"] === "chat.changed" && (typeof frame["data"] !== "object" || frame["data"] === null)) {
    return null;
  }
  return value as StreamFrame;
}

export interface LastMessage {
  seq: number;
  text: string;
  author: Message["author"]["type"];
  created_at: string;
}

export interface ChatStoreState {
  /** The latest known state of each chat the user may see. */
  readonly chats: ReadonlyMap<string, Chat>;
  /** The highest version seen per chat, from any frame (message frames carry no snapshot). */
  readonly seen: ReadonlyMap<string, number>;
  /** Chats that left the user (removed: at that version; deleted: forever = Infinity). */
  readonly gone: ReadonlyMap<string, number>;
  /** Chats that reached the client live (stream or sync), not through a list page. */
  readonly arrived: ReadonlySet<string>;
  /** Each chat's latest message, from message frames (the table's preview). */
  readonly lastMessages: ReadonlyMap<string, LastMessage>;
}

export function emptyStore(): ChatStoreState {
  return { chats: new Map(), seen: new Map(), gone: new Map(), arrived: new Set(), lastMessages: new Map() };
}

export type Outcome = "applied" | "stale" | "ignored";

export interface FrameResult {
  state: ChatStoreState;
  outcome: Outcome;
  /** The frame skipped a version the client has not seen: something was missed, resync. */
  gap: boolean;
  /** The chat left the user (`chat.removed` or `chat.deleted` applied). */
  left?: "removed" | "deleted";
}

function knownVersion(state: ChatStoreState, id: string): number | undefined {
  const seen = state.seen.get(id);
  const chat = state.chats.get(id)?.version;
  if (seen === undefined) return chat;
  if (chat === undefined) return seen;
  return Math.max(seen, chat);
}

function withSeen(seen: ReadonlyMap<string, number>, id: string, version: number): Map<string, number> {
  const next = new Map(seen);
  next.set(id, Math.max(version, seen.get(id) ?? 0));
  return next;
}

/** Merge one snapshot; `live` marks a chat that arrived through the stream or a sync. */
function mergeSnapshot(state: ChatStoreState, chat: Chat, live: boolean): { state: ChatStoreState; outcome: Outcome } {
  const current = state.chats.get(chat.id);
  if (current && current.version >= chat.version) return { state, outcome: "stale" };
  const gone = state.gone.get(chat.id);
  if (gone !== undefined && gone >= chat.version) return { state, outcome: "stale" };
  const chats = new Map(state.chats);
  chats.set(chat.id, chat);
  const goneNext = gone === undefined ? state.gone : new Map(state.gone);
  if (gone !== undefined) (goneNext as Map<string, number>).delete(chat.id);
  let arrived = state.arrived;
  if (live && !current && !arrived.has(chat.id)) {
    arrived = new Set(arrived);
    (arrived as Set<string>).add(chat.id);
  }
  return {
    state: { ...state, chats, gone: goneNext, arrived, seen: withSeen(state.seen, chat.id, chat.version) },
    outcome: "applied",
  };
}

function forget(state: ChatStoreState, id: string, version: number): ChatStoreState {
  const chats = new Map(state.chats);
  chats.delete(id);
  const gone = new Map(state.gone);
  gone.set(id, Math.max(version, gone.get(id) ?? 0));
  const lastMessages = new Map(state.lastMessages);
  lastMessages.delete(id);
  return { ...state, chats, gone, lastMessages, seen: withSeen(state.seen, id, Number.isFinite(version) ? version : 0) };
}

/** Apply one stream frame. */
export function applyFrame(state: ChatStoreState, frame: StreamFrame): FrameResult {
  const id = frame.chat_id;
  const known = knownVersion(state, id);
  const gap = known !== undefined && frame.version > known + 1 && frame.type !== "chat.deleted";
  switch (frame.type) {
    case "chat.changed": {
      const merged = mergeSnapshot(state, frame.data, true);
      // A full snapshot heals what was missed for this chat; report the gap all the same, as
      // other frames (messages, notes) may have been lost with it.
      return { state: merged.state, outcome: merged.outcome, gap: gap && merged.outcome === "applied" };
    }
    case "chat.removed": {
      const current = state.chats.get(id);
      if (current && current.version > frame.version) return { state, outcome: "stale", gap: false };
      if ((state.gone.get(id) ?? -1) >= frame.version) return { state, outcome: "stale", gap: false };
      return { state: forget(state, id, frame.version), outcome: "applied", gap: false, left: "removed" };
    }
    case "chat.deleted": {
      if (state.gone.get(id) === Infinity) return { state, outcome: "stale", gap: false };
      return { state: forget(state, id, Infinity), outcome: "applied", gap: false, left: "deleted" };
    }
    case "message.created":
    case "message.updated":
    case "note.changed": {
      if (state.gone.get(id) === Infinity) return { state, outcome: "ignored", gap: false };
      let next: ChatStoreState = { ...state, seen: withSeen(state.seen, id, frame.version) };
      if (frame.type === "message.created") {
        const m = frame.data;
        const last = state.lastMessages.get(id);
        if (!last || m.seq > last.seq) {
          const lastMessages = new Map(state.lastMessages);
          lastMessages.set(id, { seq: m.seq, text: m.text, author: m.author.type, created_at: m.created_at });
          next = { ...next, lastMessages };
        }
      }
      return { state: next, outcome: "applied", gap };
    }
  }
}

/** Merge the chats of a list page (`GET /v1/chats`): newer versions only. */
export function applyList(state: ChatStoreState, chats: readonly Chat[]): ChatStoreState {
  return chats.reduce((s, chat) => mergeSnapshot(s, chat, false).state, state);
}

/** Merge one page of `GET /v1/sync`: its chats by version, its deleted ids removed for good. */
export function applySync(state: ChatStoreState, page: Pick<SyncPage, "items" | "deleted">): ChatStoreState {
  let next = page.items.reduce((s, chat) => mergeSnapshot(s, chat, true).state, state);
  for (const id of page.deleted ?? []) next = forget(next, id, Infinity);
  return next;
}

/**
 * Merge a table page read with `GET /v1/chats` (a new query, or the current one re-read after a
 * resync): its chats by version, and the chats that had arrived live before the request was sent
 * (`arrivedBefore`) are now accounted for by the server's answer — they are on this page, or they
 * are not (on another page, no longer matching, or no longer the user's), so they stop being added
 * to the first page as live arrivals. Chats that arrive while the request runs stay arrivals.
 */
export function applyPage(state: ChatStoreState, chats: readonly Chat[], arrivedBefore: ReadonlySet<string>): ChatStoreState {
  let next = applyList(state, chats);
  if ([...arrivedBefore].some((id) => next.arrived.has(id))) {
    const arrived = new Set(next.arrived);
    for (const id of arrivedBefore) arrived.delete(id);
    next = { ...next, arrived };
  }
  return next;
}

/**
 * The rows shown before the current query was re-read that the re-read page lacks: each left the
 * page (moved, stopped matching) or left the user (transferred away while the socket was down,
 * which `GET /v1/sync` does not report). The caller asks which are still visible.
 */
export function missingFromReload(shownBefore: readonly string[], reloadedIds: readonly string[]): string[] {
  const reloaded = new Set(reloadedIds);
  return shownBefore.filter((id) => !reloaded.has(id));
}

/**
 * Forget chats found to be no longer visible to the user (a read of the chat answered 404), as a
 * `chat.removed` at their known version would: a newer snapshot (the chat coming back) is merged.
 * Returns the ids that were known and are now gone.
 */
export function applyLeft(state: ChatStoreState, ids: readonly string[]): { state: ChatStoreState; left: string[] } {
  let next = state;
  const left: string[] = [];
  for (const id of ids) {
    if (!next.chats.has(id)) continue;
    next = forget(next, id, knownVersion(next, id) ?? 0);
    if (next.arrived.has(id)) {
      const arrived = new Set(next.arrived);
      arrived.delete(id);
      next = { ...next, arrived };
    }
    left.push(id);
  }
  return { state: next, left };
}

/** Forget everything (sign-out, or a sync cursor too old to trust). */
export function resetStore(): ChatStoreState {
  return emptyStore();
}
