/**
 * The agent's socket (`WS /inbox/v1/stream?token=`): reconnects with backoff when it drops and says
 * how it stands, so the console can show "Reconnecting…" and resync when it is back.
 */
import { backoffDelay } from "../logic/backoff";
import { parseFrame, type StreamFrame } from "../logic/chatStore";

export type StreamStatus = "connecting" | "live" | "reconnecting" | "unauthorized" | "closed";

/** Close codes after which reconnecting with the same token is pointless
 * (1008 invalid token; 4001 token expired; 4003 access revoked — realtime/rules.py). */
export const FATAL_CLOSE_CODES = new Set([1008, 4001, 4003]);

export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  close(code?: number, reason?: string): void;
}

export interface StreamOptions {
  url: () => string;
  onFrame: (frame: StreamFrame) => void;
  onStatus: (status: StreamStatus, detail: { attempt: number; reconnected: boolean; code?: number }) => void;
  createSocket?: (url: string) => SocketLike;
  schedule?: (fn: () => void, ms: number) => unknown;
  cancel?: (handle: unknown) => void;
  delay?: (attempt: number) => number;
}

export class StreamConnection {
  private socket: SocketLike | null = null;
  private attempt = 0;
  private timer: unknown = null;
  private stopped = false;
  private everOpened = false;
  private readonly o: Required<StreamOptions>;

  constructor(options: StreamOptions) {
    this.o = {
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      schedule: (fn, ms) => setTimeout(fn, ms),
      cancel: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      delay: (attempt) => backoffDelay(attempt),
      ...options,
    };
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  /** Close for good (sign-out). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.o.cancel(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close(1000, "bye");
    }
    this.o.onStatus("closed", { attempt: this.attempt, reconnected: false });
  }

  /** Reconnect now (a "Retry now" button, or the browser came back online). */
  retryNow(): void {
    if (this.stopped || this.socket) return;
    if (this.timer !== null) this.o.cancel(this.timer);
    this.timer = null;
    this.open();
  }

  private open(): void {
    const reconnecting = this.everOpened || this.attempt > 0;
    this.o.onStatus(reconnecting ? "reconnecting" : "connecting", { attempt: this.attempt, reconnected: false });
    let socket: SocketLike;
    try {
      socket = this.o.createSocket(this.o.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      const reconnected = this.everOpened || this.attempt > 0;
      this.everOpened = true;
      this.attempt = 0;
      this.o.onStatus("live", { attempt: 0, reconnected });
    };
    socket.onmessage = (ev) => {
      if (typeof ev.data !== "string") return;
      const frame = parseFrame(ev.data);
      if (frame) this.o.onFrame(frame);
    };
    socket.onerror = () => {};
    socket.onclose = (ev) => {
      this.socket = null;
      if (this.stopped) return;
      if (FATAL_CLOSE_CODES.has(ev.code)) {
        this.o.onStatus("unauthorized", { attempt: this.attempt, reconnected: false, code: ev.code });
        return;
      }
      this.scheduleReconnect(ev.code);
    };
  }

  private scheduleReconnect(code?: number): void {
    const wait = this.o.delay(this.attempt);
    this.attempt += 1;
    this.o.onStatus("reconnecting", { attempt: this.attempt, reconnected: false, ...(code === undefined ? {} : { code }) });
    this.timer = this.o.schedule(() => {
      this.timer = null;
      if (!this.stopped) this.open();
    }, wait);
  }
}
