import { useEffect, useId, useState, type ReactNode } from "react";
import { allPages, unwrap } from "../api/client";
import type { PresenceStatus } from "../api/types";
import { can } from "../auth/permissions";
import { href, useRoute } from "./router";
import { useLive, useSession } from "./session";

export function Shell({ children }: { children: ReactNode }) {
  const { me, signOut } = useSession();
  const route = useRoute();
  const section = route.path[0] ?? "chats";
  const link = (name: string, label: string, path: string[]) => (
    <a href={href(path)} aria-current={section === name ? "page" : undefined}>
      {label}
    </a>
  );
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Livechat</span>
        <nav aria-label="Main">
          {link("chats", "Chats", ["chats"])}
          {can(me, "export") && link("exports", "Exports", ["exports"])}
          {can(me, "settings") && link("settings", "Settings", ["settings"])}
        </nav>
        <ConnectionStatus />
        <PresenceSwitch />
        <span className="who" title={`${me.role} · ${[...me.permissions].join(", ")}`}>
          {me.name} <span className="role">({me.role})</span>
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <Notices />
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

function ConnectionStatus() {
  const { live } = useSession();
  const { status, syncing, syncError } = useLive();
  const label =
    status === "live"
      ? syncing
        ? "Live · syncing…"
        : "Live"
      : status === "reconnecting"
        ? "Reconnecting…"
        : status === "connecting"
          ? "Connecting…"
          : status === "unauthorized"
            ? "Signed out"
            : "Offline";
  return (
    <div className={`connection connection-${status}`} role="status" aria-live="polite" aria-label={`Connection: ${label}`}>
      <span className="dot" aria-hidden="true" />
      {label}
      {status === "reconnecting" && (
        <button type="button" className="link" onClick={() => live.retryNow()}>
          Retry now
        </button>
      )}
      {syncError && <span className="error"> (sync failed: {syncError})</span>}
    </div>
  );
}

function PresenceSwitch() {
  const { api, me, live } = useSession();
  const { store } = useLive();
  const [status, setStatus] = useState<PresenceStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  useEffect(() => {
    let cancelled = false;
    allPages((page) => unwrap(api.assignment.GET("/v1/presence", { params: { query: { page, page_size: 200 } } })))
      .then((items) => {
        if (!cancelled) setStatus(items.find((p) => p.user_id === me.id)?.status ?? "offline");
      })
      .catch(() => !cancelled && setStatus("offline"));
    return () => {
      cancelled = true;
    };
  }, [api, me.id, live]);

  async function change(next: PresenceStatus) {
    const previous = status;
    setStatus(next);
    setError(null);
    try {
      const saved = await unwrap(api.assignment.PUT("/v1/me/presence", { body: { status: next } }));
      setStatus(saved.status);
    } catch (e) {
      setStatus(previous);
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  const open = [...store.chats.values()].filter(
    (c) => c.assignee_id === me.id && c.mode === "live" && c.status !== "resolved" && c.status !== "closed",
  ).length;

  return (
    <div className="presence">
      <label htmlFor={id}>Presence</label>
      <select
        id={id}
        value={status ?? "offline"}
        disabled={status === null}
        onChange={(e) => void change(e.target.value as PresenceStatus)}
        className={`presence-${status ?? "offline"}`}
      >
        <option value="online">Online</option>
        <option value="away">Away</option>
        <option value="offline">Offline</option>
      </select>
      <span className="muted" title="Your open livechats known to this console">
        {open} open
      </span>
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </div>
  );
}

function Notices() {
  const { live } = useSession();
  const { notices } = useLive();
  return (
    <div className="notices" role="log" aria-live="polite" aria-label="Notices">
      {notices.map((n) => (
        <div key={n.id} className="notice">
          {n.text}
          <button type="button" className="link" aria-label="Dismiss notice" onClick={() => live.dismissNotice(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
