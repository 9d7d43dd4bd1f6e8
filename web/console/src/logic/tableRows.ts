/**
 * The rows the table shows: the server's page, kept current by the live store — a row whose chat
 * left the user or no longer matches the filters goes, and on the first page of a newest-first
 * sort a chat that arrived live and matches is added in its place in the order.
 */
import type { Chat } from "../api/types";
import type { ChatStoreState } from "./chatStore";
import { matchesFilters, type ChatSort, type Filters } from "./filters";

export interface RowsInput {
  pageIds: readonly string[];
  store: ChatStoreState;
  filters: Filters;
  sort: ChatSort;
  page: number;
  tagGroupOf?: (tagId: string) => string | null | undefined;
}

export interface Rows {
  rows: Chat[];
  /** chats added live to this page */
  added: number;
  /** rows of the server's page that left (removed, deleted, or no longer matching) */
  dropped: number;
}

export function sortKey(chat: Chat, sort: ChatSort): number {
  const field = sort.replace(/^-/, "") as "created_at" | "updated_at" | "last_message_at";
  const value = chat[field];
  return value ? Date.parse(value) : Number.NEGATIVE_INFINITY;
}

export function compareChats(sort: ChatSort): (a: Chat, b: Chat) => number {
  const descending = sort.startsWith("-");
  return (a, b) => {
    const d = sortKey(a, sort) - sortKey(b, sort);
    if (d === 0 || Number.isNaN(d)) return 0;
    return descending ? -d : d;
  };
}

export function computeRows({ pageIds, store, filters, sort, page, tagGroupOf }: RowsInput): Rows {
  const inPage = new Set(pageIds);
  const rows: Chat[] = [];
  let dropped = 0;
  for (const id of pageIds) {
    const chat = store.chats.get(id);
    if (!chat || matchesFilters(chat, filters, tagGroupOf) === false) {
      dropped += 1;
      continue;
    }
    rows.push(chat);
  }
  let added = 0;
  if (page === 1 && sort.startsWith("-")) {
    for (const id of store.arrived) {
      if (inPage.has(id)) continue;
      const chat = store.chats.get(id);
      if (chat && matchesFilters(chat, filters, tagGroupOf) === true) {
        rows.push(chat);
        added += 1;
      }
    }
  }
  // Array.prototype.sort is stable: ties keep the server's order.
  rows.sort(compareChats(sort));
  return { rows, added, dropped };
}

/** "123 chats", or "more than 10,000 chats" when the server stopped counting. */
export function describeTotal(total: number, exact: boolean, added = 0, dropped = 0): string {
  const n = Math.max(0, total + added - dropped);
  const formatted = n.toLocaleString("en-US");
  if (!exact) return `more than ${total.toLocaleString("en-US")} chats`;
  return `${formatted} ${n === 1 ? "chat" : "chats"}`;
}

export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}
