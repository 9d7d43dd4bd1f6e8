/**
 * The console's live view of the chats: the store (merged by version), the socket's state, and the
 * resync from `GET /v1/sync` when the socket comes back or a frame reveals a gap. React reads it with
 * `useSyncExternalStore`; the conversation pane subscribes to one chat's frames.
 */
import type { Chat, SyncPage } from "../api/types";
import { applyFrame, applyList, applySync, emptyStore, type ChatStoreState, type StreamFrame } from "../logic/chatStore";
import { initialCursor, ResyncScheduler } from "../logic/resync";
import { StreamConnection, type StreamStatus } from "./stream";

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
}

export interface LiveOptions {
  streamUrl: () => string;
  fetchSync: (since: string) => Promise<SyncPage>;
  describeChat?: (chat: Chat | undefined, id: string) => string;
  onUnauthorized?: () => void;
}

export class LiveChats {
  private snapshot: LiveSnapshot = { store: emptyStore(), status: "connecting", syncing: false, syncError: null, notices: [] };
  private readonly listeners = new Set<() => void>();
  private readonly chatListeners = new Map<string, Set<(frame: StreamFrame) => void>>();
  private readonly connection: StreamConnection;
  private scheduler: ResyncScheduler | null = null;
  private noticeId = 0;

  constructor(private readonly options: LiveOptions) {
    this.connection = new StreamConnection({
      url: options.streamUrl,
      onFrame: (frame) => this.onFrame(frame),
      onStatus: (status) => {
        this.set({ status });
        if (status === "live") void this.resync();
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

  async resync(): Promise<void> {
    if (!this.scheduler) return;
    this.set({ syncing: true });
    await this.scheduler.trigger();
    this.set({ syncing: false });
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
    if (result.gap) void this.resync();
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
