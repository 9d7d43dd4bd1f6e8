// The script a site embeds:
//   <script src=".../livechat-widget.js" data-app-id="APP_ID" async></script>
// It reads its options from its own tag, mounts the widget at the end of <body> and exposes one
// global, `window.LivechatWidget` ({open, close, toggle, destroy, init}); nothing else is defined on
// the page (the bundle is an IIFE; no custom element is registered, the host element is a plain
// unknown element with a shadow root).
import { WebchatApi } from "./api";
import { ChatController } from "./chat";
import { type WidgetOptions, readOptions, socketUrl } from "./config";
import { WidgetStore, browserStorage } from "./storage";
import { type WidgetView, mountWidget } from "./ui";

export interface LivechatWidgetApi {
  /** Start the widget by hand (when the script tag has no data-app-id). */
  init(options: Partial<WidgetOptions> & { appId: string }): void;
  open(): void;
  close(): void;
  toggle(): void;
  /** Remove the widget and stop its connection. */
  destroy(): void;
  readonly version: string;
}

declare global {
  interface Window {
    LivechatWidget?: LivechatWidgetApi;
  }
}

const VERSION = "0.1.0";

function start(options: WidgetOptions): { view: WidgetView; stop: () => void } {
  const store = new WidgetStore(browserStorage(), options.appId);
  const profile: { name?: string; language?: string } = {};
  if (options.name) profile.name = options.name;
  if (options.language) profile.language = options.language;
  const controller = new ChatController({
    api: new WebchatApi(options.apiBase, options.appId, (input, init) => fetch(input, init)),
    store,
    socketUrl: (token, after) => socketUrl(options.apiBase, options.appId, token, after),
    openSocket: (url) => new WebSocket(url),
    profile,
    ...(options.visitorId && options.visitorHash
      ? { identity: { visitorId: options.visitorId, visitorHash: options.visitorHash } }
      : {}),
  });
  const tab = browserStorage(() => window.sessionStorage);
  const openKey = `${store.prefix}:open`;
  const view = mountWidget(controller, options, document.body, {
    wasOpen: () => tab.getItem(openKey) === "1",
    setOpen: (open) => (open ? tab.setItem(openKey, "1") : tab.removeItem(openKey)),
  });
  const onStorage = (event: StorageEvent): void => {
    if (event.key === store.keys.log) controller.syncFromStorage();
  };
  const onOnline = (): void => controller.reconnectNow();
  window.addEventListener("storage", onStorage);
  window.addEventListener("online", onOnline);
  controller.start();
  return {
    view,
    stop: () => {
      window.removeEventListener("storage", onStorage);
      window.removeEventListener("online", onOnline);
      controller.stop();
      view.destroy();
    },
  };
}

(() => {
  if (window.LivechatWidget) return; // the script was included twice
  const script =
    (document.currentScript as HTMLScriptElement | null) ??
    document.querySelector<HTMLScriptElement>('script[data-app-id][src*="livechat-widget"]');
  let running: { view: WidgetView; stop: () => void } | null = null;

  const whenReady = (run: () => void): void => {
    if (document.body) run();
    else document.addEventListener("DOMContentLoaded", run, { once: true });
  };

  const api: LivechatWidgetApi = {
    version: VERSION,
    init(given) {
      const options = readOptions(
        (name) => {
          const key = name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()) as keyof WidgetOptions;
          const value = given[key];
          return value === undefined ? null : String(value);
        },
        { scriptSrc: script?.src ?? null, pageHref: location.href, browserLanguage: navigator.language },
      );
      if (!options) throw new Error("LivechatWidget.init: appId is required");
      whenReady(() => {
        running?.stop();
        running = start(options);
      });
    },
    open: () => running?.view.open(),
    close: () => running?.view.close(),
    toggle: () => running?.view.toggle(),
    destroy: () => {
      running?.stop();
      running = null;
    },
  };
  Object.defineProperty(window, "LivechatWidget", { value: Object.freeze(api), configurable: true });

  const fromTag = script
    ? readOptions((name) => script.getAttribute(`data-${name}`), {
        scriptSrc: script.src,
        pageHref: location.href,
        browserLanguage: navigator.language,
      })
    : null;
  if (fromTag) whenReady(() => (running = start(fromTag)));
  else if (script?.hasAttribute("data-app-id")) console.warn("livechat-widget: data-app-id is empty");
})();
