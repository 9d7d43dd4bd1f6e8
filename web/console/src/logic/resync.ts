/**
 * Resync after a gap: when the socket reconnects (frames were missed while it was down) or a frame
 * skips a version, the client reads `GET /v1/sync?since=<cursor>` page by page (`more` says whether
 * to go on, `cursor` where) and merges each page by version; deleted chats are removed. Then the
 * chat table re-reads its current page (`reloadsTable`), as the sync does not list chats that only
 * left the user's scope.
 */
import type { SyncPage } from "../api/types";

export type FetchSyncPage = (since: string) => Promise<SyncPage>;

/** Read every page since `since`, handing each to `apply`; returns the cursor to continue from. */
export async function syncAll(
  fetchPage: FetchSyncPage,
  since: string,
  apply: (page: SyncPage) => void,
  maxPages = 100,
): Promise<string> {
  let cursor = since;
  for (let i = 0; i < maxPages; i++) {
    const page = await fetchPage(cursor);
    apply(page);
    const advanced = page.cursor !== cursor;
    cursor = page.cursor;
    if (!page.more || !advanced) return cursor;
  }
  return cursor;
}

/** The first cursor: an ISO time a little before `now` (the server's clock when known), so changes
 * made while the first page loaded are not missed; merging by version makes overlap harmless. */
export function initialCursor(now: Date, marginMs = 10_000): string {
  return new Date(now.getTime() - marginMs).toISOString();
}

export type ResyncReason = "connected" | "reconnected" | "gap" | "manual";

/**
 * Runs one sync at a time: a trigger while a sync runs asks for one more after it (not one per
 * trigger), so a burst of gaps costs two requests at most. A failed sync keeps the cursor and is
 * retried by the next trigger.
 */
export class ResyncScheduler {
  private cursor: string;
  private running: Promise<boolean> | null = null;
  private again = false;
  private readonly fetchPage: FetchSyncPage;
  private readonly apply: (page: SyncPage) => void;
  private readonly onError: (error: unknown) => void;

  constructor(options: {
    cursor: string;
    fetchPage: FetchSyncPage;
    apply: (page: SyncPage) => void;
    onError?: (error: unknown) => void;
  }) {
    this.cursor = options.cursor;
    this.fetchPage = options.fetchPage;
    this.apply = options.apply;
    this.onError = options.onError ?? (() => {});
  }

  get position(): string {
    return this.cursor;
  }

  get busy(): boolean {
    return this.running !== null;
  }

  /** Ask for a sync; resolves when the sync that covers this request has finished: `true` when it
   * read every page, `false` when it failed (the cursor is kept for the next trigger). */
  trigger(_reason: ResyncReason = "manual"): Promise<boolean> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async loop(): Promise<boolean> {
    do {
      this.again = false;
      try {
        this.cursor = await syncAll(this.fetchPage, this.cursor, this.apply);
      } catch (error) {
        this.onError(error);
        return false;
      }
    } while (this.again);
    return true;
  }
}

/**
 * Whether a finished resync should re-read the chat table's current page. `GET /v1/sync` returns the
 * chats that changed and the deleted ones, but not those that merely left the user's scope (e.g.
 * transferred away while the socket was down): only the server's list says they are gone. The
 * first sync after sign-in runs alongside the table's first load, so it needs no second read.
 */
export function reloadsTable(reason: ResyncReason, ok: boolean): boolean {
  return ok && reason !== "connected";
}
