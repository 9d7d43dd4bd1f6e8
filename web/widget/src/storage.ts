// What the widget keeps in the browser, per app id, so a reload or a new tab continues the same
// conversation:
//   livechat:<app>:session  {session_token, visitor_id, expires_at, obtained_at}
//   livechat:<app>:log      the conversation shown (the person's messages and the replies)
//   livechat:<app>:cursor   the last reply cursor seen (the socket's ?after=)
// Everything read back is checked: storage is shared with the host page and may hold anything.
import type { SessionOut } from "./api";
import { type Entry, MAX_ENTRIES, maxCursor, mergeEntries } from "./messages";

/** The part of `Storage` used (localStorage, or a map where storage is unavailable). */
export interface KeyValue {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function memoryStorage(): KeyValue {
  const map = new Map<string, string>();
  return {
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, value),
    removeItem: (key) => void map.delete(key),
  };
}

/** `localStorage` when it works (it throws in some private modes, sandboxed frames and when
 * cookies are blocked); otherwise memory, so the widget still works for the page's lifetime. */
export function browserStorage(get: () => Storage = () => window.localStorage): KeyValue {
  try {
    const storage = get();
    const probe = "livechat:probe";
    storage.setItem(probe, "1");
    storage.removeItem(probe);
    return {
      getItem: (key) => {
        try {
          return storage.getItem(key);
        } catch {
          return null;
        }
      },
      setItem: (key, value) => {
        try {
          storage.setItem(key, value);
        } catch {
          /* full or revoked: the widget keeps working from memory */
        }
      },
      removeItem: (key) => {
        try {
          storage.removeItem(key);
        } catch {
          /* ignore */
        }
      },
    };
  } catch {
    return memoryStorage();
  }
}

export interface Session extends SessionOut {
  /** When this browser got it (ms): with `expires_at`, when half its life is spent. */
  obtained_at: number;
}

/** Whether the session can no longer open a socket or prove its visitor. */
export function sessionExpired(session: Session, now: number): boolean {
  const end = Date.parse(session.expires_at);
  return !Number.isFinite(end) || end <= now;
}

/** When to trade the session for a new one (proven with it): once half its life is spent. */
export function renewalAt(session: Session): number {
  const end = Date.parse(session.expires_at);
  if (!Number.isFinite(end)) return session.obtained_at;
  return session.obtained_at + Math.max(0, end - session.obtained_at) / 2;
}

export function needsRenewal(session: Session, now: number): boolean {
  return now >= renewalAt(session);
}

function readJson(storage: KeyValue, key: string): unknown {
  const raw = storage.getItem(key);
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
}

function isSession(value: unknown): value is Session {
  if (!value || typeof value !== "object") return false;
  const s = value as Record<string, unknown>;
  return (
    typeof s.session_token === "string" &&
    s.session_token.length > 0 &&
    typeof s.visitor_id === "string" &&
    typeof s.expires_at === "string" &&
    typeof s.obtained_at === "number"
  );
}

const STATES = new Set(["sending", "sent", "failed", "banned"]);

function isEntry(value: unknown): value is Entry {
  if (!value || typeof value !== "object") return false;
  const e = value as Record<string, unknown>;
  if (typeof e.id !== "string" || typeof e.at !== "number" || typeof e.text !== "string") return false;
  if (e.kind === "mine") return typeof e.state === "string" && STATES.has(e.state);
  if (e.kind === "theirs") {
    const author = e.author as Record<string, unknown> | null;
    return (
      typeof e.cursor === "number" &&
      Array.isArray(e.attachments) &&
      !!author &&
      typeof author === "object" &&
      typeof author.type === "string"
    );
  }
  return false;
}

/** The stored state of one app's conversation. */
export class WidgetStore {
  readonly prefix: string;

  constructor(
    private readonly storage: KeyValue,
    appId: string,
  ) {
    this.prefix = `livechat:${appId}`;
  }

  get keys(): { session: string; log: string; cursor: string } {
    return { session: `${this.prefix}:session`, log: `${this.prefix}:log`, cursor: `${this.prefix}:cursor` };
  }

  session(): Session | null {
    const value = readJson(this.storage, this.keys.session);
    return isSession(value) ? value : null;
  }

  saveSession(session: Session): void {
    this.storage.setItem(this.keys.session, JSON.stringify(session));
  }

  entries(): Entry[] {
    const value = readJson(this.storage, this.keys.log);
    return Array.isArray(value) ? value.filter(isEntry).slice(-MAX_ENTRIES) : [];
  }

  /** Store `entries` merged with what is stored (another tab may have written meanwhile); the
   * merged list, which the caller should show. */
  saveEntries(entries: readonly Entry[]): readonly Entry[] {
    const merged = mergeEntries(entries, this.entries());
    this.storage.setItem(this.keys.log, JSON.stringify(merged));
    return merged;
  }

  /** The last reply cursor seen: never lower than what the stored replies show. */
  cursor(): number {
    const value = readJson(this.storage, this.keys.cursor);
    const stored = typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : 0;
    return Math.max(stored, maxCursor(this.entries()));
  }

  saveCursor(cursor: number): void {
    const stored = readJson(this.storage, this.keys.cursor);
    if (typeof stored !== "number" || cursor > stored) this.storage.setItem(this.keys.cursor, JSON.stringify(cursor));
  }

  forgetSession(): void {
    this.storage.removeItem(this.keys.session);
  }

  /** A new visitor: nothing of the previous one is kept. */
  clear(): void {
    for (const key of Object.values(this.keys)) this.storage.removeItem(key);
  }
}
