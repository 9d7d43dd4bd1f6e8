/**
 * The console's live view of the chats: the store (merged by version), the socket's state, and the
 * resync from `GET /v1/sync` when the socket comes back or a frame reveals a gap. After a resync the
 * snapshot's `tableReload` grows, and the chat table re-reads its current page (the sync does not
 * list chats that only left the user's scope); rows missing from that page are checked and dropped
 * when the user may no longer see them. React reads it with `useSyncExternalStore`; the
 * conversation pane subscribes to one chat's frames.
 */
import type { Chat, SyncPage } from "../api/types";
import {
  applyFrame,
  applyLeft,
  applyList,
  applyPage,
  applySync,
  emptyStore,
  type ChatStoreState,
  type StreamFrame,
} from "../logic/chatStore";
import { initialCursor, reloadsTable, ResyncScheduler, type ResyncReason } from "../logic/resync";
import { StreamConnection, type StreamOptions, type StreamStatus } from "./stream";

export interface Notice {
  id: number;
  text: string;
}

export interface LiveSnapshot {
  store: ChatStoreState;
  status: StreamStatus;
  syncing: boolean;
  syncError: string | null;
  notices: readonly Notice[];
  /** Grows each time a resync finished that the chat table should follow by re-reading its page. */
  tableReload: number;
}

export interface LiveOptions {
  streamUrl: () => string;
  fetchSync: (since: string) => Promise<SyncPage>;
  describeChat?: (chat: Chat | undefined, id: string) => string;
  onUnauthorized?: () => void;
  /** One chat (`GET /v1/chats/{id}`), or `null` when the user may not see it (404). */
  fetchChat?: (id: string) => Promise<Chat | null>;
  /** The socket's plumbing (tests). */
  socket?: Partial<Pick<StreamOptions, "createSocket" | "schedule" | "cancel" | "delay">>;
}

/** At most this many rows missing from a re-read page are checked one by one. */
const MAX_CHECKS = 25;

export class LiveChats {
  private snapshot: LiveSnapshot = {
    store: emptyStore(),
    status: "connecting",
    syncing: false,
    syncError: null,
    notices: [],
    tableReload: 0,
  };
  private readonly listeners = new Set<() => void>();
  private readonly chatListeners = new Map<string, Set<(frame: StreamFrame) => void>>();
  private readonly connection: StreamConnection;
  private scheduler: ResyncScheduler | null = null;
  private noticeId = 0;
  private reloadWanted = false;

  constructor(private readonly options: LiveOptions) {
    this.connection = new StreamConnection({
      ...options.socket,
      url: options.streamUrl,
      onFrame: (frame) => this.onFrame(frame),
      onStatus: (status, detail) => {
        this.set({ status });
        if (status === "live") void this.resync(detail.reconnected ? "reconnected" : "connected");
        if (status === "unauthorized") options.onUnauthorized?.();
      },
    });
  }

  /** Connect; changes after `since` (the server's time of the first list load) are synced once live. */
  start(since: Date = new Date()): void {
    this.scheduler = new ResyncScheduler({
      cursor: initialCursor(since),
      fetchPage: this.options.fetchSync,
      apply: (page) => this.applySyncPage(page),
      onError: (error) => this.set({ syncError: error instanceof Error ? error.message : String(error) }),
    });
    this.connection.start();
  }

  stop(): void {
    this.connection.stop();
  }

  retryNow(): void {
    this.connection.retryNow();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): LiveSnapshot => this.snapshot;

  /** One chat's frames (messages, notes, its snapshot), for the conversation pane. */
  onChat(chatId: string, listener: (frame: StreamFrame) => void): () => void {
    let set = this.chatListeners.get(chatId);
    if (!set) this.chatListeners.set(chatId, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Chats read over HTTP (a table page, a chat's details, a PATCH's answer), merged by version. */
  mergeChats(chats: readonly Chat[]): void {
    const store = applyList(this.snapshot.store, chats);
    if (store !== this.snapshot.store) this.set({ store });
  }

  dismissNotice(id: number): void {
    this.set({ notices: this.snapshot.notices.filter((n) => n.id !== id) });
  }

  /** Read `GET /v1/sync` from the cursor; then (but after the first, "connected" one) ask the
   * table to re-read its page. */
  async resync(reason: ResyncReason = "manual"): Promise<void> {
    if (!this.scheduler) return;
    if (reloadsTable(reason, true)) this.reloadWanted = true;
    this.set({ syncing: true });
    const ok = await this.scheduler.trigger(reason);
    const reload = ok && this.reloadWanted;
    if (reload) this.reloadWanted = false;
    this.set({ syncing: false, ...(reload ? { tableReload: this.snapshot.tableReload + 1 } : {}) });
  }

  /**
   * A table page read with `GET /v1/chats` (`arrivedBefore`: the store's live arrivals when the
   * request was sent, which the answer accounts for). `missing`: rows shown before that the page,
   * re-read for the same query after a resync, no longer has — each is read again, and dropped
   * (with a notice) when the user may no longer see it. Resolves when those checks are done.
   */
  async applyTablePage(chats: readonly Chat[], arrivedBefore: ReadonlySet<string>, missing: readonly string[] = []): Promise<void> {
    const store = applyPage(this.snapshot.store, chats, arrivedBefore);
    if (store !== this.snapshot.store) this.set({ store });
    const fetchChat = this.options.fetchChat;
    if (!fetchChat || missing.length === 0) return;
    const checked = await Promise.all(
      missing.slice(0, MAX_CHECKS).map((id) =>
        fetchChat(id).then(
          (chat) => ({ id, chat }),
          () => ({ id, chat: undefined }), // unknown (network, 5xx): keep what is known
        ),
      ),
    );
    const visible = checked.flatMap((c) => (c.chat ? [c.chat] : []));
    if (visible.length) this.mergeChats(visible);
    const before = this.snapshot.store;
    const result = applyLeft(before, checked.filter((c) => c.chat === null).map((c) => c.id));
    if (result.left.length === 0) return;
    this.set({ store: result.state });
    for (const id of result.left) this.notify(`${this.describe(before.chats.get(id), id)} left your list (transferred or reassigned).`);
  }

  private applySyncPage(page: SyncPage): void {
    const before = this.snapshot.store;
    const store = applySync(before, page);
    for (const id of page.deleted ?? []) {
      if (before.chats.has(id)) this.notify(`${this.describe(before.chats.get(id), id)} was deleted.`);
    }
    this.set({ store, syncError: null });
    for (const chat of page.items) this.emitChat({ type: "chat.changed", chat_id: chat.id, version: chat.version, data: chat });
  }

  private onFrame(frame: StreamFrame): void {
    const before = this.snapshot.store;
    const result = applyFrame(before, frame);
    if (result.state !== before) this.set({ store: result.state });
    if (result.left === "removed" && before.chats.has(frame.chat_id)) {
      this.notify(`${this.describe(before.chats.get(frame.chat_id), frame.chat_id)} left your list (transferred or reassigned).`);
    } else if (result.left === "deleted" && before.chats.has(frame.chat_id)) {
      this.notify(`${this.describe(before.chats.get(frame.chat_id), frame.chat_id)} was deleted.`);
    }
    if (result.outcome !== "stale") this.emitChat(frame);
    if (result.gap) void this.resync("gap");
  }

  private emitChat(frame: StreamFrame): void {
    for (const listener of this.chatListeners.get(frame.chat_id) ?? []) listener(frame);
  }

  private describe(chat: Chat | undefined, id: string): string {
    return this.options.describeChat?.(chat, id) ?? `Chat ${id}`;
  }

  private notify(text: string): void {
    const notice = { id: ++this.noticeId, text };
    this.set({ notices: [...this.snapshot.notices.slice(-4), notice] });
    setTimeout(() => this.dismissNotice(notice.id), 8000);
  }

  private set(patch: Partial<LiveSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of this.listeners) listener();
  }
}
