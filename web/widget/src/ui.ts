// The widget's DOM, inside a shadow root of its own host element: the launcher ("Open chat"), the
// panel (a non-modal dialog) with the conversation (a live log), the rating form and the composer.
// Text is only ever set as text (never as HTML). Messages are rendered keyed by id: an update moves
// or replaces only the nodes that changed, so a screen reader announces a new reply once.
import type { ChatController, ChatState, Status } from "./chat";
import type { WidgetOptions } from "./config";
import { type Entry, type Mine, type Theirs, authorLabel, linkify } from "./messages";
import css from "./widget.css?inline";

const SVG_NS = "http://www.w3.org/2000/svg";
const ICONS = {
  chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2Zm3 5v2h10V9H7Zm0 4v2h7v-2H7Z",
  close: "M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6 6.4 5Z",
  minimize: "M5 11h14v2H5z",
  star: "m12 2.5 2.9 6.1 6.6.8-4.9 4.6 1.3 6.6L12 17.3l-5.9 3.3 1.3-6.6L2.5 9.4l6.6-.8L12 2.5Z",
};

const STATUS_TEXT: Record<Status, string> = {
  idle: "Online",
  connecting: "Connecting…",
  online: "Online",
  reconnecting: "Reconnecting…",
};

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function icon(path: string): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const p = document.createElementNS(SVG_NS, "path");
  p.setAttribute("d", path);
  svg.append(p);
  return svg;
}

function timeOf(at: number): HTMLTimeElement {
  const date = new Date(at);
  const time = el("time", { datetime: date.toISOString() });
  time.textContent = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return time;
}

function textWithLinks(text: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const part of linkify(text)) {
    fragment.append(
      part.href ? el("a", { href: part.href, target: "_blank", rel: "noopener noreferrer nofollow" }, part.text) : part.text,
    );
  }
  return fragment;
}

/** White or near-black, whichever reads better on a #rgb/#rrggbb accent (white otherwise). */
export function textOn(color: string): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color)?.[1];
  if (!hex) return "#ffffff";
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join("") : hex;
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(full.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return (1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? "#ffffff" : "#111827");
}

export interface WidgetView {
  open(): void;
  close(): void;
  toggle(): void;
  readonly isOpen: boolean;
  destroy(): void;
}

/** What the view remembers for this tab (sessionStorage): whether the panel was open, so a reload
 * or the next page of the site shows it as the person left it. */
export interface ViewMemory {
  wasOpen(): boolean;
  setOpen(open: boolean): void;
}

export function mountWidget(
  controller: ChatController,
  options: WidgetOptions,
  parent: HTMLElement,
  memory?: ViewMemory,
): WidgetView {
  const host = document.createElement("livechat-widget");
  host.setAttribute("data-position", options.position);
  const shadow = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = css;

  // --- static structure -----------------------------------------------------------------------------
  const title = el("h2", { class: "title", id: "lc-title" }, options.title);
  const status = el("p", { class: "status", role: "status" });
  const heading = el("div", { class: "heading" }, title);
  if (options.subtitle) heading.append(el("p", { class: "subtitle" }, options.subtitle));
  heading.append(status);
  const minimize = el("button", { type: "button", class: "icon-button", "aria-label": "Minimize chat" }, icon(ICONS.minimize));
  const header = el("div", { class: "header" }, heading, minimize);

  const empty = el("p", { class: "empty" }, "Ask us anything — we will answer here.");
  const list = el("ol", { class: "messages" });
  const ratingSlot = el("div");
  const log = el(
    "div",
    { class: "log", role: "log", "aria-label": "Conversation", "aria-live": "polite", tabindex: "0" },
    empty,
    list,
    ratingSlot,
  );

  const textarea = el("textarea", {
    id: "lc-text",
    rows: "1",
    maxlength: "4096",
    placeholder: "Write a message…",
    autocomplete: "off",
  });
  const composer = el(
    "form",
    { class: "composer" },
    el("label", { for: "lc-text", class: "sr-only" }, "Message"),
    textarea,
    el("button", { type: "submit", class: "primary" }, "Send"),
  );

  const panel = el(
    "section",
    { class: "panel", id: "lc-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "lc-title" },
    header,
    log,
    composer,
  );
  panel.hidden = true;

  const unreadText = el("span", { id: "lc-unread", class: "sr-only" });
  const badge = el("span", { class: "badge", "aria-hidden": "true" });
  badge.hidden = true;
  const launcher = el(
    "button",
    {
      type: "button",
      class: "launcher",
      "aria-label": "Open chat",
      "aria-expanded": "false",
      "aria-controls": "lc-panel",
      "aria-describedby": "lc-unread",
    },
    icon(ICONS.chat),
    badge,
  );
  const root = el("div", { class: "root" }, panel, launcher, unreadText);
  root.style.setProperty("--lc-accent", options.color);
  root.style.setProperty("--lc-accent-text", textOn(options.color));
  root.style.setProperty("--lc-focus", options.color);
  shadow.append(style, root);
  parent.append(host);

  // --- state ----------------------------------------------------------------------------------------
  let isOpen = false;
  let unread = 0;
  const rendered = new Map<string, { key: string; node: HTMLLIElement }>();
  let ratingFor: string | null = null;

  function setUnread(count: number): void {
    unread = count;
    badge.hidden = count === 0;
    badge.textContent = count > 9 ? "9+" : String(count);
    unreadText.textContent = count === 0 ? "" : count === 1 ? "1 new message" : `${count} new messages`;
  }

  function nearBottom(): boolean {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  function scrollToEnd(): void {
    log.scrollTop = log.scrollHeight;
  }

  // --- rendering ------------------------------------------------------------------------------------
  function renderMine(entry: Mine): HTMLLIElement {
    const li = el("li", { class: `msg mine ${entry.state}` });
    const bubble = el("div", { class: "bubble" }, el("span", { class: "sr-only" }, "You: "));
    if (entry.rating) {
      const stars = "★".repeat(entry.rating) + "☆".repeat(5 - entry.rating);
      bubble.append(el("span", { class: "stars-text", "aria-hidden": "true" }, `${stars} ${entry.rating}/5`));
      bubble.append(el("span", { class: "sr-only" }, `rated ${entry.rating} out of 5`));
    } else {
      bubble.append(textWithLinks(entry.text));
    }
    const meta = el("div", { class: "meta" }, timeOf(entry.at));
    if (entry.state === "sending") meta.append(el("span", {}, entry.error ?? "Sending…"));
    if (entry.state === "sent") meta.append(el("span", {}, "Sent"));
    if (entry.state === "failed" || entry.state === "banned") {
      meta.append(el("span", { class: "error" }, entry.state === "failed" ? `Not sent: ${entry.error ?? "error"}` : entry.error ?? "Not delivered"));
    }
    if (entry.state === "failed") {
      const retry = el("button", { type: "button", class: "link-button" }, "Retry");
      retry.addEventListener("click", () => controller.retry(entry.id));
      meta.append(retry);
    }
    li.append(bubble, meta);
    return li;
  }

  function renderTheirs(entry: Theirs): HTMLLIElement {
    const type = entry.author.type;
    const who = authorLabel(entry.author);
    if (type === "system") {
      return el("li", { class: "msg system" }, textWithLinks(entry.text));
    }
    const li = el("li", { class: `msg theirs ${type}` });
    const author = el(
      "div",
      { class: "author" },
      el("span", { class: "avatar", "aria-hidden": "true" }, (who.trim()[0] ?? "?").toUpperCase()),
      el("span", {}, who),
    );
    if (type === "ai") author.append(el("span", { class: "tag", title: "AI assistant" }, "AI"));
    const bubble = el("div", { class: "bubble" }, el("span", { class: "sr-only" }, `${who}${type === "ai" ? " (AI)" : ""}: `));
    bubble.append(textWithLinks(entry.text));
    if (entry.attachments.length) {
      const files = el("ul", { class: "attachments" });
      for (const file of entry.attachments) {
        files.append(
          el("li", {}, el("a", { href: file.url, target: "_blank", rel: "noopener noreferrer nofollow" }, file.name || "Attachment")),
        );
      }
      bubble.append(files);
    }
    li.append(author, bubble, el("div", { class: "meta" }, timeOf(entry.at)));
    return li;
  }

  function keyOf(entry: Entry): string {
    return entry.kind === "mine" ? `m|${entry.state}|${entry.error ?? ""}` : "t";
  }

  function renderEntries(entries: readonly Entry[]): void {
    const wanted: HTMLLIElement[] = [];
    const seen = new Set<string>();
    for (const entry of entries) {
      const id = `${entry.kind}:${entry.id}`;
      seen.add(id);
      const key = keyOf(entry);
      let item = rendered.get(id);
      if (!item || item.key !== key) {
        const node = entry.kind === "mine" ? renderMine(entry) : renderTheirs(entry);
        if (item) item.node.replaceWith(node);
        item = { key, node };
        rendered.set(id, item);
      }
      wanted.push(item.node);
    }
    for (const [id, item] of rendered) {
      if (!seen.has(id)) {
        item.node.remove();
        rendered.delete(id);
      }
    }
    wanted.forEach((node, index) => {
      if (list.children[index] !== node) list.insertBefore(node, list.children[index] ?? null);
    });
    empty.hidden = entries.length > 0;
  }

  function renderRating(request: Theirs | null): void {
    if (request?.id === ratingFor) return;
    ratingFor = request?.id ?? null;
    ratingSlot.replaceChildren();
    if (!request) return;
    let chosen = 0;
    const labels: HTMLLabelElement[] = [];
    const choice = el("span", { class: "choice", "aria-live": "polite" });
    const submit = el("button", { type: "submit", class: "primary", disabled: "" }, "Submit rating");
    const light = (upTo: number): void => labels.forEach((label, i) => label.classList.toggle("lit", i < upTo));
    const stars = el("div", { class: "stars" });
    for (let score = 1; score <= 5; score++) {
      const input = el("input", { type: "radio", name: "lc-score", value: String(score) });
      const label = el("label", { class: "star" }, input, icon(ICONS.star), el("span", { class: "sr-only" }, score === 1 ? "1 star" : `${score} stars`));
      input.addEventListener("change", () => {
        chosen = score;
        submit.disabled = false;
        choice.textContent = `${score} of 5`;
        light(score);
      });
      label.addEventListener("mouseenter", () => light(score));
      label.addEventListener("mouseleave", () => light(chosen));
      labels.push(label);
      stars.append(label);
    }
    const form = el(
      "form",
      { class: "rating", "aria-labelledby": "lc-rating-legend" },
      el(
        "fieldset",
        {},
        el("legend", { id: "lc-rating-legend" }, "How would you rate this conversation?"),
        stars,
        el("div", { class: "rating-actions" }, submit, choice),
      ),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (chosen) controller.rate(chosen);
    });
    ratingSlot.append(form);
  }

  function render(state: ChatState): void {
    const stick = nearBottom();
    renderEntries(state.entries);
    renderRating(state.rating);
    status.textContent = STATUS_TEXT[state.status];
    status.dataset.status = state.status === "idle" ? "online" : state.status;
    if (stick) scrollToEnd();
  }

  // --- behaviour ------------------------------------------------------------------------------------
  function open(): void {
    if (isOpen) return;
    isOpen = true;
    panel.hidden = false;
    root.classList.add("open");
    memory?.setOpen(true);
    launcher.setAttribute("aria-expanded", "true");
    launcher.setAttribute("aria-label", "Close chat");
    launcher.replaceChildren(icon(ICONS.close), badge);
    setUnread(0);
    scrollToEnd();
    textarea.focus();
  }

  function close(): void {
    if (!isOpen) return;
    isOpen = false;
    panel.hidden = true;
    root.classList.remove("open");
    memory?.setOpen(false);
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", "Open chat");
    launcher.replaceChildren(icon(ICONS.chat), badge);
  }

  function submitText(): void {
    const text = textarea.value;
    if (!text.trim()) return;
    controller.send(text);
    textarea.value = "";
    grow();
    scrollToEnd();
  }

  function grow(): void {
    textarea.style.height = "auto";
    textarea.style.height = `${Math.min(textarea.scrollHeight + 2, 120)}px`;
  }

  launcher.addEventListener("click", () => {
    if (isOpen) {
      close();
      launcher.focus();
    } else open();
  });
  minimize.addEventListener("click", () => {
    close();
    launcher.focus();
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      close();
      launcher.focus();
    }
  });
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    submitText();
  });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitText();
    }
  });
  textarea.addEventListener("input", grow);

  const unsubscribe = controller.subscribe(render);
  const offReply = controller.onReply(() => {
    if (!isOpen || document.visibilityState === "hidden") setUnread(unread + 1);
  });
  // A reply while the tab is in the background: a count in the page's title until the person is
  // back (data-title-notice="false" turns it off).
  let pageTitle: string | null = null;
  let hiddenReplies = 0;
  const offTitle = controller.onReply(() => {
    if (!options.titleNotice || document.visibilityState !== "hidden") return;
    pageTitle ??= document.title;
    hiddenReplies++;
    document.title = `(${hiddenReplies}) New message — ${pageTitle}`;
  });
  const restoreTitle = (): void => {
    if (pageTitle !== null && document.title.endsWith(pageTitle)) document.title = pageTitle;
    pageTitle = null;
    hiddenReplies = 0;
  };
  const onVisible = (): void => {
    if (document.visibilityState === "visible") {
      restoreTitle();
      if (isOpen) setUnread(0);
      controller.reconnectNow();
    }
  };
  document.addEventListener("visibilitychange", onVisible);
  render(controller.current);
  if (options.open || memory?.wasOpen()) open();

  return {
    open,
    close,
    toggle: () => (isOpen ? close() : open()),
    get isOpen() {
      return isOpen;
    },
    destroy() {
      unsubscribe();
      offReply();
      offTitle();
      restoreTitle();
      document.removeEventListener("visibilitychange", onVisible);
      host.remove();
    },
  };
}
