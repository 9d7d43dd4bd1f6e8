/**
 * Where the console finds the services: one origin with a prefix per service, as the compose nginx
 * proxy serves them (`/inbox/v1/...`, `/assignment/v1/...`). The base defaults to the console's
 * own origin; set it at build time (`VITE_LIVECHAT_API_BASE=https://chat.example.com`) or at run time
 * (`<meta name="livechat-api-base" content="...">` in index.html, or `window.LIVECHAT_API_BASE`).
 */
export const SERVICES = ["ingest", "inbox", "assignment", "export", "aiagent"] as const;
export type Service = (typeof SERVICES)[number];

declare global {
  interface Window {
    LIVECHAT_API_BASE?: string;
  }
}

/** The base without a trailing slash; "" means the console's own origin. */
export function normaliseBase(base: string | null | undefined): string {
  return (base ?? "").trim().replace(/\/+$/, "");
}

export function configuredBase(): string {
  if (typeof window !== "undefined") {
    if (window.LIVECHAT_API_BASE !== undefined) return normaliseBase(window.LIVECHAT_API_BASE);
    const meta = document.querySelector<HTMLMetaElement>('meta[name="livechat-api-base"]');
    if (meta?.content) return normaliseBase(meta.content);
  }
  return normaliseBase(import.meta.env.VITE_LIVECHAT_API_BASE as string | undefined);
}

/** The URL prefix of a service: `${base}/inbox`. */
export function serviceUrl(base: string, service: Service): string {
  return `${normaliseBase(base)}/${service}`;
}

/** The inbox's WebSocket stream, `ws(s)://<host>/inbox/v1/stream?token=...`, for a base that may be
 * relative ("" or "/path") or absolute. */
export function streamUrl(base: string, token: string, origin: string): string {
  const root = new URL(`${serviceUrl(base, "inbox")}/v1/stream`, origin);
  root.protocol = root.protocol === "https:" ? "wss:" : "ws:";
  root.searchParams.set("token", token);
  return root.toString();
}
