/**
 * The reply box's helpers: canned replies by `/shortcut`, variables, and what the send button says.
 * Variables (`{{person.name}}`, `{{agent.name}}`, `{{chat.id}}`, `{{cf.<key>}}`) are filled in by the
 * inbox when the reply is sent; the console only inserts them.
 */
import type { CannedReply, CustomField } from "../api/types";

/** The `/word` being typed at the caret (at the start of the text or after a space), or null. */
export function shortcutAt(text: string, caret: number): { query: string; start: number } | null {
  const before = text.slice(0, caret);
  const match = /(^|\s)\/([\w-]*)$/.exec(before);
  if (!match) return null;
  const query = match[2] ?? "";
  return { query, start: caret - query.length - 1 };
}

/** Canned replies whose shortcut starts with the query (then those whose title contains it). */
export function cannedMatches(replies: readonly CannedReply[], query: string, limit = 8): CannedReply[] {
  const q = query.toLowerCase();
  const byShortcut = replies.filter((r) => r.shortcut.toLowerCase().startsWith(q));
  const byTitle = replies.filter((r) => !byShortcut.includes(r) && r.title.toLowerCase().includes(q));
  return [...byShortcut, ...byTitle].slice(0, limit);
}

/** The text with the `/shortcut` at `start..caret` replaced by the reply's body; the new caret. */
export function insertCanned(text: string, start: number, caret: number, reply: CannedReply): { text: string; caret: number } {
  const next = text.slice(0, start) + reply.body + text.slice(caret);
  return { text: next, caret: start + reply.body.length };
}

export function insertAt(text: string, caret: number, snippet: string): { text: string; caret: number } {
  return { text: text.slice(0, caret) + snippet + text.slice(caret), caret: caret + snippet.length };
}

export function variables(fields: readonly CustomField[]): { token: string; label: string }[] {
  return [
    { token: "{{person.name}}", label: "Person's name" },
    { token: "{{agent.name}}", label: "Your name" },
    { token: "{{chat.id}}", label: "Chat ID" },
    ...fields.map((f) => ({ token: `{{cf.${f.key}}}`, label: `Custom field: ${f.name}` })),
  ];
}

/** What the reply box offers (the inbox's `decide_reply`): Send for the assignee or an unassigned
 * livechat (replying takes it); Takeover & Send for an AI chat nobody holds (replying takes it from
 * the AI) or, with the transfer permission, for a chat another user holds; nothing otherwise. */
export function replyAction(opts: {
  userId: string;
  assigneeId: string | null | undefined;
  mode: "ai" | "live";
  canManage: boolean;
  canTransfer: boolean;
}): "send" | "takeover" | "none" {
  if (!opts.canManage) return "none";
  if (opts.assigneeId === opts.userId) return "send";
  if (!opts.assigneeId) return opts.mode === "ai" ? "takeover" : "send";
  return opts.canTransfer ? "takeover" : "none";
}

/** A `client_message_id` so a retried send is stored once. */
export function newClientMessageId(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto
    ? crypto.randomUUID()
    : `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
