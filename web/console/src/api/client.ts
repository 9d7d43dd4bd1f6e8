/**
 * Typed clients of the services (openapi-fetch over the generated types), all through one origin
 * with a prefix per service. Every request carries the bearer token; a 401 signs the user out.
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";
import { serviceUrl } from "../config";
import type { paths as AiagentPaths } from "./generated/aiagent";
import type { paths as AssignmentPaths } from "./generated/assignment";
import type { paths as ExportPaths } from "./generated/export";
import type { paths as InboxPaths } from "./generated/inbox";
import type { paths as IngestPaths } from "./generated/ingest";

export interface Api {
  inbox: Client<InboxPaths>;
  assignment: Client<AssignmentPaths>;
  export: Client<ExportPaths>;
  ingest: Client<IngestPaths>;
  aiagent: Client<AiagentPaths>;
  base: string;
  token: string;
  /** An authorised fetch for what the typed clients do not cover (raw uploads, file downloads). */
  fetch: (url: string, init?: RequestInit) => Promise<Response>;
}

/** An error answer of a service, `{"error": {"code", "message"}}`, as an Error. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The body's `error.details` (e.g. `problems` of a `validation_failed`), when given. */
    readonly details: Record<string, unknown> | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The ApiError for an openapi-fetch `error` (or a response that is not one of ours). */
export function toApiError(error: unknown, response: Response): ApiError {
  const detail = (error as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  const code = typeof detail?.code === "string" ? detail.code : `http_${response.status}`;
  const message =
    typeof detail?.message === "string" ? detail.message : `${response.status} ${response.statusText || "error"}`;
  const details =
    detail?.details && typeof detail.details === "object" && !Array.isArray(detail.details)
      ? (detail.details as Record<string, unknown>)
      : null;
  return new ApiError(response.status, code, message, details);
}

/** The data of an openapi-fetch result, or its error thrown as an ApiError. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) throw toApiError(error, response);
  return data as T;
}

export function createApi(base: string, token: string, onUnauthorized: () => void): Api {
  const auth: Middleware = {
    onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) onUnauthorized();
      return response;
    },
  };
  const make = <P extends {}>(service: Parameters<typeof serviceUrl>[1]): Client<P> => {
    const client = createClient<P>({ baseUrl: serviceUrl(base, service) });
    client.use(auth);
    return client;
  };
  return {
    inbox: make<InboxPaths>("inbox"),
    assignment: make<AssignmentPaths>("assignment"),
    export: make<ExportPaths>("export"),
    ingest: make<IngestPaths>("ingest"),
    aiagent: make<AiagentPaths>("aiagent"),
    base,
    token,
    fetch: async (url, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set("Authorization", `Bearer ${token}`);
      const response = await fetch(url, { ...init, headers });
      if (response.status === 401) onUnauthorized();
      return response;
    },
  };
}

/** Every item of a paged list (`{items, total, page, page_size}`), page after page (at most `max`). */
export async function allPages<T>(
  fetchPage: (page: number) => Promise<{ items: T[]; total: number; page_size: number }>,
  max = 20,
): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; page <= max; page++) {
    const result = await fetchPage(page);
    out.push(...result.items);
    if (result.items.length < result.page_size || out.length >= result.total) break;
  }
  return out;
}
