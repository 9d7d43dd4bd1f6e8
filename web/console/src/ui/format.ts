import type { Chat } from "../api/types";

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const time = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : time.format(d);
}

export function since(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "—";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function ratingOf(chat: Chat): number | null {
  const score = chat.rating?.["score"];
  return typeof score === "number" ? score : null;
}

export const STATUS_LABEL: Record<Chat["status"], string> = {
  open: "Open",
  pending: "Pending",
  overdue: "Overdue",
  resolved: "Resolved",
  closed: "Closed",
};

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
