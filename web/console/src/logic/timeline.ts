/**
 * A chat's history as the conversation pane shows it: messages (by `seq`) and notes (by creation
 * time) in one list, merged from the history pages and live frames without duplicates.
 */
import type { Message, Note } from "../api/types";

export type TimelineItem = { kind: "message"; at: string; message: Message } | { kind: "note"; at: string; note: Note };

/** Messages merged by id (a later copy — e.g. a delivery update — replaces an earlier one), in seq order. */
export function mergeMessages(current: readonly Message[], incoming: readonly Message[]): Message[] {
  const byId = new Map(current.map((m) => [m.id, m]));
  for (const m of incoming) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

/** Notes after a `note.changed` frame (or a page): replaced by id, removed when deleted. */
export function mergeNote(current: readonly Note[], note: Note, deleted: boolean): Note[] {
  const rest = current.filter((n) => n.id !== note.id);
  return deleted ? rest : [...rest, note].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
}

/** The first `seq` missing before `incoming` (a gap in the history: fetch after it), or null. */
export function missingAfter(current: readonly Message[], incoming: Message): number | null {
  if (current.length === 0) return null;
  const last = current.reduce((max, m) => Math.max(max, m.seq), 0);
  return incoming.seq > last + 1 ? last : null;
}

export function timeline(messages: readonly Message[], notes: readonly Note[]): TimelineItem[] {
  const ordered = [...messages].sort((a, b) => a.seq - b.seq);
  const pending = [...notes].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
  const items: TimelineItem[] = [];
  let n = 0;
  // Messages keep their seq order; a note goes before the first message created after it.
  for (const message of ordered) {
    while (n < pending.length && Date.parse(pending[n]!.created_at) < Date.parse(message.created_at)) {
      const note = pending[n++]!;
      items.push({ kind: "note", at: note.created_at, note });
    }
    items.push({ kind: "message", at: message.created_at, message });
  }
  for (; n < pending.length; n++) items.push({ kind: "note", at: pending[n]!.created_at, note: pending[n]! });
  return items;
}
