// The person's side of a webchat, without any DOM: the session (kept, renewed at half-life, proven
// with the old token), the live socket (reconnected with backoff, resumed after the last cursor so
// missed replies arrive first), the person's messages (POSTed in order, each with its
// client_message_id so a resend is kept once), and the rating answer. The UI subscribes to it.
import { ApiError, type Frame, SESSION_EXPIRED, type SessionCreate, type WebchatApi, parseFrame } from "./api";
import { Backoff } from "./backoff";
import {
  type Entry,
  type Mine,
  type Theirs,
  addMine,
  addTheirs,
  fromFrame,
  mergeEntries,
  openRatingRequest,
  ratingText,
  unsent,
  updateMine,
} from "./messages";
import { type Session, type WidgetStore, needsRenewal, renewalAt, sessionExpired } from "./storage";

/** `idle`: no conversation yet (a session is started when the person opens the chat). */
export type Status = "idle" | "connecting" | "online" | "reconnecting";

export interface ChatState {
  status: Status;
  entries: readonly Entry[];
  /** The rating request the person may answer now. */
  rating: Theirs | null;
}

/** The part of a browser WebSocket used here. */
export interface SocketLike {
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  close(code?: number): void;
}

export interface ChatDeps {
  api: WebchatApi;
  store: WidgetStore;
  /** The socket's address for a session token and the cursor to resume after. */
  socketUrl(token: string, after: number): string;
  openSocket(url: string): SocketLike;
  /** What the person told of themselves (sent when a session starts). */
  profile?: { name?: string; language?: string };
  /** Identity verification: the site's own id for the person and its HMAC (from the site's backend). */
  identity?: { visitorId: string; visitorHash: string };
  now?: () => number;
  newId?: () => string;
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
  random?: () => number;
}

const NO_SESSION = "no_session";

/** After this many refused handshakes in a row the token itself is suspected: renew it. */
const HANDSHAKES_BEFORE_RENEWAL = 2;
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function randomId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const bytes = new Uint8Array(16);
  c.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class ChatController {
  private state: ChatState;
  private readonly listeners = new Set<(state: ChatState) => void>();
  private readonly replyListeners = new Set<(reply: Theirs) => void>();
  private socket: SocketLike | null = null;
  private opened = false;
  private refusedHandshakes = 0;
  private renewNext = false;
  private stopped = false;
  private pumping = false;
  private sessionPromise: Promise<Session> | null = null;
  private readonly reconnectBackoff: Backoff;
  private readonly sendBackoff: Backoff;
  private reconnectTimer: unknown = null;
  private renewalTimer: unknown = null;
  private sendTimer: unknown = null;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly setTimer: (run: () => void, ms: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;

  constructor(private readonly deps: ChatDeps) {
    this.now = deps.now ?? Date.now;
    this.newId = deps.newId ?? randomId;
    this.setTimer = deps.setTimer ?? ((run, ms) => setTimeout(run, ms));
    this.clearTimer = deps.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
    this.reconnectBackoff = new Backoff(undefined, deps.random);
    this.sendBackoff = new Backoff(undefined, deps.random);
    const entries = deps.store.entries();
    this.state = { status: "idle", entries, rating: openRatingRequest(entries) };
  }

  // --- observing --------------------------------------------------------------------------------

  get current(): ChatState {
    return this.state;
  }

  subscribe(listener: (state: ChatState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called for each new reply from the AI or an agent (not for ones already shown). */
  onReply(listener: (reply: Theirs) => void): () => void {
    this.replyListeners.add(listener);
    return () => this.replyListeners.delete(listener);
  }

  private set(patch: Partial<ChatState>): void {
    const next = { ...this.state, ...patch };
    if (patch.entries) next.rating = openRatingRequest(patch.entries);
    this.state = next;
    for (const listener of this.listeners) listener(next);
  }

  private commit(entries: readonly Entry[]): void {
    if (entries === this.state.entries) return;
    this.set({ entries: this.deps.store.saveEntries(entries) });
  }

  // --- life cycle -------------------------------------------------------------------------------

  /** Resume the conversation this browser already has, or the one the site vouches for. Nothing is
   * started for an anonymous visitor until they write: no session is spent on every page view. */
  start(): void {
    if (this.deps.store.session() || this.deps.identity) void this.connect();
  }

  /** Stop everything: the socket, the timers. */
  stop(): void {
    this.stopped = true;
    for (const timer of [this.reconnectTimer, this.renewalTimer, this.sendTimer]) {
      if (timer !== null) this.clearTimer(timer);
    }
    this.reconnectTimer = this.renewalTimer = this.sendTimer = null;
    this.dropSocket();
  }

  /** Try now rather than at the next backoff step (the browser came back online, the tab became
   * visible again). */
  reconnectNow(): void {
    if (this.stopped || this.socket || this.state.status === "idle") return;
    this.reconnectBackoff.reset();
    void this.connect();
  }

  /** Another tab changed the stored conversation. */
  syncFromStorage(): void {
    const merged = mergeEntries(this.state.entries, this.deps.store.entries());
    if (merged !== this.state.entries) this.set({ entries: merged });
  }

  // --- the session --------------------------------------------------------------------------------

  private profile(): SessionCreate {
    const body: SessionCreate = {};
    const { name, language } = this.deps.profile ?? {};
    if (name) body.name = name.slice(0, 200);
    if (language) body.language = language.slice(0, 35);
    return body;
  }

  /** The session to use: the stored one; renewed (proven with itself) past half its life or when
   * `renew`; a new visitor when there is none or it can prove nothing any more. Single flight. */
  private session(create: boolean, renew = false): Promise<Session> {
    this.sessionPromise ??= this.obtainSession(create, renew).finally(() => {
      this.sessionPromise = null;
    });
    return this.sessionPromise;
  }

  private async obtainSession(create: boolean, renew: boolean): Promise<Session> {
    const identity = this.deps.identity;
    let stored = this.deps.store.session();
    const now = this.now();
    if (stored && (sessionExpired(stored, now) || (identity && stored.visitor_id !== identity.visitorId))) {
      // It can prove nothing any more, or the site signed someone else in on this browser.
      this.forget(stored.visitor_id !== identity?.visitorId);
      stored = null;
    }
    if (stored) {
      if (!renew && !needsRenewal(stored, now)) return stored;
      try {
        const body = { ...this.profile(), visitor_id: stored.visitor_id };
        return this.keep(await this.deps.api.startSession(body, stored.session_token));
      } catch (error) {
        const refused = error instanceof ApiError && (error.status === 401 || error.status === 403);
        if (!refused) {
          if (!renew) return stored; // still valid: renew another time
          throw error;
        }
        this.forget(!identity);
      }
    }
    if (identity) {
      // The site vouches for the visitor (identity verification): the same conversation on every
      // device, its replies replayed from the start of the mailbox on a new one.
      const body = { ...this.profile(), visitor_id: identity.visitorId, visitor_hash: identity.visitorHash };
      return this.keep(await this.deps.api.startSession(body));
    }
    if (!create) throw new ApiError(401, NO_SESSION, "No conversation yet.");
    return this.keep(await this.deps.api.startSession(this.profile()));
  }

  /** Drop the stored session; with `conversation`, what was shown too (it belongs to a previous
   * visitor), except what the person wrote and was not sent yet (it goes to the new conversation). */
  private forget(conversation: boolean): void {
    const waiting = unsent(this.state.entries);
    if (!conversation) {
      this.deps.store.forgetSession();
      return;
    }
    this.deps.store.clear();
    this.set({ entries: this.deps.store.saveEntries(waiting) });
  }

  private keep(session: { session_token: string; visitor_id: string; expires_at: string }): Session {
    const kept: Session = {
      session_token: session.session_token,
      visitor_id: session.visitor_id,
      expires_at: session.expires_at,
      obtained_at: this.now(),
    };
    this.deps.store.saveSession(kept);
    return kept;
  }

  // --- the socket ---------------------------------------------------------------------------------

  private dropSocket(): void {
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    try {
      socket.close(1000);
    } catch {
      /* already closed */
    }
  }

  private scheduleReconnect(retryAfterSeconds = 0): void {
    if (this.stopped) return;
    if (this.reconnectTimer !== null) this.clearTimer(this.reconnectTimer);
    const delay = this.reconnectBackoff.next(retryAfterSeconds);
    this.reconnectTimer = this.setTimer(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
  }

  private async connect(create = false): Promise<void> {
    if (this.stopped) return;
    if (this.reconnectTimer !== null) {
      this.clearTimer(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    this.dropSocket();
    this.set({ status: this.state.status === "online" || this.state.status === "reconnecting" ? "reconnecting" : "connecting" });
    let session: Session;
    try {
      // Words waiting to be sent need a conversation, even a new one.
      session = await this.session(create || unsent(this.state.entries).length > 0, this.renewNext);
      this.renewNext = false;
    } catch (error) {
      if (error instanceof ApiError && error.code === NO_SESSION) {
        this.set({ status: "idle" });
        return;
      }
      this.set({ status: "reconnecting" });
      this.scheduleReconnect(error instanceof ApiError ? error.retryAfter : 0);
      return;
    }
    if (this.stopped || this.socket) return;
    this.scheduleRenewal(session);
    const socket = this.deps.openSocket(this.deps.socketUrl(session.session_token, this.deps.store.cursor()));
    this.socket = socket;
    this.opened = false;
    socket.onopen = () => {
      this.opened = true;
      this.refusedHandshakes = 0;
      this.reconnectBackoff.reset();
      this.set({ status: "online" });
      void this.pump();
    };
    socket.onmessage = (event) => this.receive(parseFrame(event.data));
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      this.socket = null;
      if (event.code === SESSION_EXPIRED) this.renewNext = true;
      else if (!this.opened && ++this.refusedHandshakes >= HANDSHAKES_BEFORE_RENEWAL) {
        // A refused handshake says nothing in a browser (1006): an unknown token looks like an
        // outage. Retried once as is, then with a session proven anew (or a new visitor).
        this.renewNext = true;
        this.refusedHandshakes = 0;
      }
      this.set({ status: "reconnecting" });
      this.scheduleReconnect();
    };
  }

  private scheduleRenewal(session: Session): void {
    if (this.renewalTimer !== null) this.clearTimer(this.renewalTimer);
    const wait = Math.min(Math.max(renewalAt(session) - this.now(), 1_000), MAX_TIMER_MS);
    this.renewalTimer = this.setTimer(() => {
      this.renewalTimer = null;
      this.renewNext = true;
      void this.connect(); // the new socket resumes after the cursor: nothing is missed or doubled
    }, wait);
  }

  private receive(frame: Frame | null): void {
    if (!frame || frame.type !== "message") return; // acks and errors answer socket sends (none here)
    const reply = fromFrame(frame);
    this.deps.store.saveCursor(frame.cursor);
    if (reply.author.type === "person") return; // the person's own words are shown from here
    const next = addTheirs(this.state.entries, reply);
    if (next === this.state.entries) return;
    this.commit(next);
    for (const listener of this.replyListeners) listener(reply);
  }

  // --- the person's messages ----------------------------------------------------------------------

  /** Write a message; it shows at once as `sending`, then `sent` once the service accepted it. */
  send(text: string): void {
    const trimmed = text.trim();
    if (!trimmed) return;
    this.enqueue({ kind: "mine", id: this.newId(), at: this.now(), text: trimmed.slice(0, 4096), state: "sending" });
  }

  /** Answer the open rating request with `score` (1–5). */
  rate(score: number): void {
    if (!this.state.rating || !Number.isInteger(score) || score < 1 || score > 5) return;
    const message: Mine = {
      kind: "mine",
      id: this.newId(),
      at: Math.max(this.now(), this.state.rating.at + 1),
      text: ratingText(score),
      state: "sending",
      rating: score,
    };
    this.enqueue(message);
  }

  /** Send a failed message again (the same id: kept once if it did arrive after all). */
  retry(id: string): void {
    this.commit(updateMine(this.state.entries, id, { state: "sending" }));
    this.sendBackoff.reset();
    void this.pump();
  }

  private enqueue(message: Mine): void {
    this.commit(addMine(this.state.entries, message));
    if (this.state.status === "idle" && !this.socket) void this.connect(true);
    void this.pump();
  }

  /** Send what waits, one at a time and in order; a passing failure holds the queue and retries. */
  private async pump(): Promise<void> {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    try {
      for (;;) {
        const next = unsent(this.state.entries)[0];
        if (!next) {
          this.sendBackoff.reset();
          return;
        }
        const retryAfter = await this.deliver(next);
        if (retryAfter !== null) {
          if (this.sendTimer !== null) this.clearTimer(this.sendTimer);
          this.sendTimer = this.setTimer(() => {
            this.sendTimer = null;
            void this.pump();
          }, this.sendBackoff.next(retryAfter));
          return;
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  /** POST one message; null when it is settled (sent, banned, or refused for good), else the
   * seconds to wait before trying again. */
  private async deliver(message: Mine): Promise<number | null> {
    try {
      const session = await this.session(true);
      const accepted = await this.deps.api.sendMessage(session.session_token, {
        text: message.text,
        attachments: [],
        client_message_id: message.id,
      });
      if (accepted.status === "banned") {
        const error = accepted.notice || "This message was not delivered.";
        this.commit(updateMine(this.state.entries, message.id, { state: "banned", error }));
      } else {
        this.commit(updateMine(this.state.entries, message.id, { state: "sent" }));
      }
      return null;
    } catch (error) {
      const e = error instanceof ApiError ? error : new ApiError(0, "network", String(error));
      if (e.code === NO_SESSION) return 0; // raced a reconnect that found no session: try again
      if (e.status === 401) {
        // The token is no longer taken: prove the visitor anew (or start over), then resend.
        this.renewNext = true;
        this.commit(updateMine(this.state.entries, message.id, { state: "sending", error: "Reconnecting…" }));
        if (!this.socket) void this.connect(true);
        else this.dropAndReconnect();
        return 1;
      }
      if (e.transient) {
        const note = e.status === 429 ? e.message : "Not sent yet — will retry.";
        this.commit(updateMine(this.state.entries, message.id, { state: "sending", error: note }));
        return e.retryAfter;
      }
      this.commit(updateMine(this.state.entries, message.id, { state: "failed", error: e.message }));
      return null;
    }
  }

  private dropAndReconnect(): void {
    this.dropSocket();
    void this.connect();
  }
}
