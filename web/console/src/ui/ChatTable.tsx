import { useCallback, useEffect, useId, useMemo, useRef, useState } from "react";
import { unwrap } from "../api/client";
import { can } from "../auth/permissions";
import { fromQueryString, PAGE_SIZES, SORTS, toChatQuery, toQueryString, type ChatSort, type Filters, type TableQuery } from "../logic/filters";
import { missingFromReload } from "../logic/chatStore";
import { computeRows, describeTotal, pageCount } from "../logic/tableRows";
import { FilterBar } from "./FilterBar";
import { Queue } from "./Queue";
import { errorText, formatDateTime, ratingOf, since, STATUS_LABEL } from "./format";
import { href, navigate } from "./router";
import { personName, useLive, useSession } from "./session";

interface Loaded {
  ids: string[];
  total: number;
  exact: boolean;
  key: string;
}

export function ChatTable({ search }: { search: string }) {
  const { api, live, me, catalog, userName, teamName, tagName } = useSession();
  const { store, tableReload } = useLive();
  const query = useMemo(() => fromQueryString(search), [search]);
  const queryKey = toQueryString(query);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirming, setConfirming] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [reloadTick, setReloadTick] = useState(0);
  const id = useId();
  const loadedRef = useRef<Loaded | null>(null);
  loadedRef.current = loaded;
  /** The ids of the rows on screen (for a re-read after a resync: which ones it lacks). */
  const shownRef = useRef<readonly string[]>([]);
  const seenReload = useRef(tableReload);

  const setQuery = useCallback((next: TableQuery) => navigate(["chats"], toQueryString(next), true), []);

  // Read the page of the query; read it again after a bulk delete and after a resync (`tableReload`):
  // the sync does not list chats that only left the user's scope, the server's page does. A re-read
  // of the same query replaces the rows in place (no "Loading…"); rows it lacks are checked, and
  // dropped from the store when the user may no longer see them.
  useEffect(() => {
    let cancelled = false;
    const refresh = loadedRef.current?.key === queryKey;
    const afterResync = refresh && seenReload.current !== tableReload;
    seenReload.current = tableReload;
    const shownBefore = afterResync ? shownRef.current : [];
    const arrivedBefore = live.getSnapshot().store.arrived;
    if (!refresh) setLoading(true);
    setError(null);
    unwrap(
      api.inbox.GET("/v1/chats", {
        params: { query: toChatQuery(query) },
        // repeatable filters and cf.<key> (which the OpenAPI document cannot name) as the API reads them
        querySerializer: () => toQueryString(query),
      }),
    )
      .then((page) => {
        if (cancelled) return;
        const ids = page.items.map((c) => c.id);
        void live.applyTablePage(page.items, arrivedBefore, missingFromReload(shownBefore, ids));
        setLoaded({ ids, total: page.total, exact: page.total_exact, key: queryKey });
      })
      .catch((e: unknown) => !cancelled && setError(errorText(e)))
      .finally(() => !cancelled && setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [api, live, queryKey, reloadTick, tableReload]);

  const tagGroupOf = useMemo(() => {
    const groups = new Map(catalog.tags.map((t) => [t.id, t.group_id ?? null]));
    return (tagId: string) => groups.get(tagId);
  }, [catalog.tags]);

  const { rows, added, dropped } = useMemo(
    () =>
      loaded
        ? computeRows({ pageIds: loaded.ids, store, filters: query.filters, sort: query.sort, page: query.page, tagGroupOf })
        : { rows: [], added: 0, dropped: 0 },
    [loaded, store, query, tagGroupOf],
  );

  useEffect(() => {
    shownRef.current = rows.map((r) => r.id);
  }, [rows]);

  const pages = loaded ? pageCount(loaded.total, query.pageSize) : 1;
  const mayDelete = can(me, "delete");
  const selectedVisible = rows.filter((r) => selected.has(r.id));

  async function bulkDelete() {
    const ids = selectedVisible.map((r) => r.id);
    setConfirming(false);
    try {
      const result = await unwrap(api.inbox.POST("/v1/chats/bulk-delete", { body: { chat_ids: ids } }));
      setStatus(`Deleted ${result.deleted} ${result.deleted === 1 ? "chat" : "chats"}${result.not_found.length ? ` (${result.not_found.length} not found)` : ""}.`);
      setSelected(new Set());
      setReloadTick((t) => t + 1);
    } catch (e) {
      setStatus(`Delete failed: ${errorText(e)}`);
    }
  }

  return (
    <div className="page chat-table-page">
      <div className="page-head">
        <h1>Chats</h1>
        <p className="total" role="status" aria-live="polite">
          {loading ? "Loading…" : loaded ? describeTotal(loaded.total, loaded.exact, added, dropped) : ""}
        </p>
        {can(me, "export") && (
          <a className="button" href={href(["exports"], queryKey)}>
            Export these chats
          </a>
        )}
      </div>
      <Queue />
      <FilterBar filters={query.filters} onChange={(filters: Filters) => setQuery({ ...query, filters, page: 1 })} />
      <div className="table-controls">
        <label>
          Sort
          <select value={query.sort} onChange={(e) => setQuery({ ...query, sort: e.target.value as ChatSort, page: 1 })}>
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Page size
          <select value={query.pageSize} onChange={(e) => setQuery({ ...query, pageSize: Number(e.target.value), page: 1 })}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        {mayDelete && (
          <button type="button" className="danger" disabled={selectedVisible.length === 0} onClick={() => setConfirming(true)}>
            Delete selected ({selectedVisible.length})
          </button>
        )}
      </div>
      {confirming && (
        <div className="confirm" role="alertdialog" aria-labelledby={`${id}-confirm`} aria-modal="false">
          <p id={`${id}-confirm`}>
            Delete {selectedVisible.length} {selectedVisible.length === 1 ? "chat" : "chats"} for good? Their messages, notes and
            exports are erased everywhere. This cannot be undone.
          </p>
          <button type="button" className="danger" onClick={() => void bulkDelete()} autoFocus>
            Delete for good
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      )}
      {status && (
        <p className="info" role="status">
          {status}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          Could not load the chats: {error}
        </p>
      )}
      <div className="table-wrap">
        <table className="chats" aria-label="Chats" aria-busy={loading}>
          <thead>
            <tr>
              {mayDelete && (
                <th scope="col">
                  <input
                    type="checkbox"
                    aria-label="Select all chats on this page"
                    checked={rows.length > 0 && selectedVisible.length === rows.length}
                    onChange={(e) => setSelected(e.target.checked ? new Set(rows.map((r) => r.id)) : new Set())}
                  />
                </th>
              )}
              <th scope="col">Person</th>
              <th scope="col">Status</th>
              <th scope="col">Mode</th>
              <th scope="col">Assignee</th>
              <th scope="col">Teams</th>
              <th scope="col">Tags</th>
              <th scope="col">CSAT</th>
              <th scope="col">App</th>
              <th scope="col">Created</th>
              <th scope="col">Last message</th>
              <th scope="col">ID</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((chat) => {
              const last = store.lastMessages.get(chat.id);
              const rating = ratingOf(chat);
              return (
                <tr key={chat.id} className={`status-${chat.status}`} data-chat-id={chat.id}>
                  {mayDelete && (
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select chat with ${personName(chat)}`}
                        checked={selected.has(chat.id)}
                        onChange={(e) => {
                          const next = new Set(selected);
                          if (e.target.checked) next.add(chat.id);
                          else next.delete(chat.id);
                          setSelected(next);
                        }}
                      />
                    </td>
                  )}
                  <td>
                    <a href={href(["chats", chat.id])}>{personName(chat)}</a>
                    {last && <div className="preview">{last.text.slice(0, 80)}</div>}
                  </td>
                  <td>
                    <span className={`pill status-pill-${chat.status}`}>{STATUS_LABEL[chat.status]}</span>
                  </td>
                  <td>{chat.mode === "ai" ? <span className="pill ai">AI chat</span> : "Livechat"}</td>
                  <td>{userName(chat.assignee_id)}</td>
                  <td>{(chat.team_ids ?? []).map(teamName).join(", ") || "—"}</td>
                  <td>{(chat.tags ?? []).map(tagName).join(", ") || "—"}</td>
                  <td>{rating === null ? "—" : `${rating} ★`}</td>
                  <td>{chat.app.name ?? chat.app.channel}</td>
                  <td>{formatDateTime(chat.created_at)}</td>
                  <td title={formatDateTime(chat.last_message_at)}>{since(chat.last_message_at)}</td>
                  <td>
                    <code>{chat.id}</code>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {!loading && loaded && rows.length === 0 && (
          <p className="empty">No chats match. Clear a filter or search for something else; new chats appear here as they come in.</p>
        )}
      </div>
      <nav className="pagination" aria-label="Pages">
        <button type="button" disabled={query.page <= 1} onClick={() => setQuery({ ...query, page: query.page - 1 })}>
          Previous page
        </button>
        <span>
          Page {query.page} of {loaded && !loaded.exact ? `more than ${pages}` : pages}
        </span>
        <button
          type="button"
          disabled={!loaded || (loaded.exact && query.page >= pages)}
          onClick={() => setQuery({ ...query, page: query.page + 1 })}
        >
          Next page
        </button>
      </nav>
    </div>
  );
}
