// The widget's options, from its <script> tag's data-* attributes (or LivechatWidget.init):
//   data-app-id     the Webchat app's id (required)
//   data-api-base   the URL prefix before /v1/... (default: the script's origin + "/ingest", the
//                   compose proxy's route to ingest; http://127.0.0.1:8081 reaches ingest directly)
//   data-title      the panel's heading (default "Chat with us")
//   data-subtitle   the line under it (default "We usually answer in a few minutes")
//   data-name       the person's name, when the site knows it
//   data-language   the person's language (default: the browser's)
//   data-color      the accent colour (a CSS colour; default a blue with AA contrast on white)
//   data-position   "right" (default) or "left"
//   data-open       "true": start with the panel open (it also reopens by itself after a reload
//                   of a tab where the person left it open)
//   data-title-notice "false": no "(1) New message" in the page title for replies in a background tab
//   data-visitor-id, data-visitor-hash
//                   identity verification: the site's own id for a signed-in person (8–64 of
//                   A-Z a-z 0-9 _ -) and its hex HMAC-SHA256 under the app's identity secret,
//                   computed by the site's backend; the same conversation on every device

export interface WidgetOptions {
  appId: string;
  apiBase: string;
  title: string;
  subtitle: string;
  name?: string;
  language?: string;
  color: string;
  position: "left" | "right";
  open: boolean;
  titleNotice: boolean;
  visitorId?: string;
  visitorHash?: string;
}

export const DEFAULTS = {
  title: "Chat with us",
  subtitle: "We usually answer in a few minutes",
  color: "#1f5fbf",
};

/** The default API base: where the script came from, under the proxy's `/ingest` prefix. */
export function defaultApiBase(scriptSrc: string | null | undefined, pageHref: string): string {
  let origin: string;
  try {
    origin = new URL(scriptSrc || pageHref, pageHref).origin;
  } catch {
    origin = new URL(pageHref).origin;
  }
  return `${origin}/ingest`;
}

/** `base` as an absolute URL without a trailing slash (relative bases resolve against the page). */
export function absoluteBase(base: string, pageHref: string): string {
  return new URL(base, pageHref).href.replace(/\/+$/, "");
}

/** The person's socket: the API base with ws(s): instead of http(s):. */
export function socketUrl(apiBase: string, appId: string, token: string, after: number): string {
  const url = new URL(`${apiBase.replace(/\/+$/, "")}/v1/webchat/${encodeURIComponent(appId)}/ws`);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("token", token);
  url.searchParams.set("after", String(Math.max(0, Math.floor(after))));
  return url.href;
}

/** Only a plain colour may reach the stylesheet (no `;`, braces or url()). */
export function safeColor(value: string | null | undefined): string | null {
  if (!value) return null;
  const v = value.trim();
  return /^(#[0-9a-f]{3,8}|[a-z]{3,20}|(rgb|hsl)a?\([0-9.,%\s/]+\))$/i.test(v) ? v : null;
}

/** The options from a data-* attribute reader (`get("app-id")` is `data-app-id`). */
export function readOptions(
  get: (name: string) => string | null | undefined,
  context: { scriptSrc?: string | null; pageHref: string; browserLanguage?: string },
): WidgetOptions | null {
  const appId = get("app-id")?.trim();
  if (!appId) return null;
  const base = get("api-base")?.trim() || defaultApiBase(context.scriptSrc, context.pageHref);
  const options: WidgetOptions = {
    appId,
    apiBase: absoluteBase(base, context.pageHref),
    title: get("title")?.trim() || DEFAULTS.title,
    subtitle: get("subtitle")?.trim() ?? DEFAULTS.subtitle,
    color: safeColor(get("color")) ?? DEFAULTS.color,
    position: get("position")?.trim() === "left" ? "left" : "right",
    open: get("open")?.trim() === "true",
    titleNotice: get("title-notice")?.trim() !== "false",
  };
  const name = get("name")?.trim();
  if (name) options.name = name;
  const language = get("language")?.trim() || context.browserLanguage;
  if (language) options.language = language;
  const visitorId = get("visitor-id")?.trim();
  const visitorHash = get("visitor-hash")?.trim();
  if (visitorId && visitorHash && /^[A-Za-z0-9_-]{8,64}$/.test(visitorId) && /^[0-9a-fA-F]{64}$/.test(visitorHash)) {
    options.visitorId = visitorId;
    options.visitorHash = visitorHash;
  }
  return options;
}
