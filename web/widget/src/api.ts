// The Webchat API of the ingest service, typed from its OpenAPI document (src/generated/ingest.ts,
// written by `npm run gen`): a renamed field breaks `tsc`, not the widget. The socket's frames are
// not in OpenAPI (FastAPI does not describe WebSockets); they are typed here after
// services/ingest/src/ingest/webchat/schemas.py and carry the OpenAPI `MessageView`.
import type { components, paths } from "./generated/ingest";

type Schemas = components["schemas"];
type Json<Op> = Op extends { content: { "application/json": infer Body } } ? Body : never;

export type MessageView = Schemas["MessageView"];
export type Author = Schemas["Author"];
export type Attachment = Schemas["Attachment"];
export type SessionOut = Schemas["SessionOut"];
export type SessionCreate = Json<paths["/v1/webchat/{app_id}/sessions"]["post"]["requestBody"]>;
export type WebchatMessage = Json<paths["/v1/webchat/{app_id}/messages"]["post"]["requestBody"]>;
export type ErrorResponse = Schemas["ErrorResponse"];

/** The 202 answer to a message (its OpenAPI schema is an open object: the service's serializer
 * leaves `notice` out unless set). */
export interface Accepted {
  status: "accepted" | "duplicate" | "banned";
  client_message_id: string;
  notice?: string;
}

/** A message for the person; `cursor` is what the socket takes as `?after=` on reconnect. */
export interface MessageFrame {
  type: "message";
  cursor: number;
  message: MessageView;
}
export interface AckFrame {
  type: "ack";
  client_message_id: string;
  status: Accepted["status"];
  notice?: string;
}
export interface ErrorFrame {
  type: "error";
  client_message_id?: string;
  error: { code: string; message: string; retry_after?: number };
}
export type Frame = MessageFrame | AckFrame | ErrorFrame;

/** The close code of a socket whose session expired. */
export const SESSION_EXPIRED = 4001;

/** A refused request: the API's error body, its status, and `Retry-After` (seconds) when given.
 * `status` 0: the request never got an answer (offline, DNS, CORS). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter = 0,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** Whether trying the same request again later may succeed. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/** The two HTTP calls of a person's webchat; `base` is the prefix before `/v1/...`. */
export class WebchatApi {
  constructor(
    readonly base: string,
    readonly appId: string,
    private readonly fetcher: Fetch,
  ) {}

  private url(tail: string): string {
    return `${this.base.replace(/\/+$/, "")}/v1/webchat/${encodeURIComponent(this.appId)}/${tail}`;
  }

  /** A new visitor (no `proof`), or a new session for the visitor whose live token is `proof`. */
  startSession(body: SessionCreate, proof?: string): Promise<SessionOut> {
    return this.post<SessionOut>("sessions", body, proof);
  }

  sendMessage(token: string, body: WebchatMessage): Promise<Accepted> {
    return this.post<Accepted>("messages", body, token);
  }

  private async post<T>(tail: string, body: unknown, token?: string): Promise<T> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await this.fetcher(this.url(tail), {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        credentials: "omit",
      });
    } catch {
      throw new ApiError(0, "network", "The chat service cannot be reached.");
    }
    const data: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const error = (data as Partial<ErrorResponse> | null)?.error;
      throw new ApiError(
        response.status,
        error?.code ?? "http_error",
        error?.message ?? `HTTP ${response.status}`,
        Number(response.headers.get("retry-after")) || 0,
      );
    }
    return data as T;
  }
}

/** A socket frame from its text; null for anything that is not a frame this widget reads. */
export function parseFrame(text: unknown): Frame | null {
  if (typeof text !== "string") return null;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!data || typeof data !== "object") return null;
  const frame = data as Record<string, unknown>;
  if (frame.type === "message") {
    const message = frame.message as Record<string, unknown> | null;
    const ok =
      typeof frame.cursor === "number" &&
      !!message &&
      typeof message.id === "string" &&
      typeof message.text === "string" &&
      typeof message.created_at === "string" &&
      !!message.author &&
      typeof message.author === "object";
    return ok ? (frame as unknown as MessageFrame) : null;
  }
  if (frame.type === "ack" || frame.type === "error") return frame as unknown as Frame;
  return null;
}
