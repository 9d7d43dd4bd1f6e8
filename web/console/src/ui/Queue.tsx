import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, unwrap } from "../api/client";
import { errorText, since } from "./format";
import { href, navigate } from "./router";
import { personName, useLive, useSession } from "./session";

interface Queued {
  chat_id: string;
  position: number;
  enqueued_at?: string | null;
  summary?: string | null;
}

/** The pending queue the user may claim from (voluntary assignment): shown when it is not empty.
 * Refreshed after live changes (throttled) and every 15 seconds. */
export function Queue() {
  const { api } = useSession();
  const { store } = useLive();
  const [items, setItems] = useState<Queued[]>([]);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    unwrap(api.assignment.GET("/v1/queue", { params: { query: { page_size: 50 } } }))
      .then((page) => setItems(page.items))
      .catch(() => setItems([]));
  }, [api]);
  // at most one reload per 2 s however many chats change
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      load();
    }, 2000);
  }, [load, store.chats]);
  useEffect(() => {
    load();
    return () => {
      if (pending.current) clearTimeout(pending.current);
      pending.current = null;
    };
  }, [load]);
  useEffect(() => {
    const timer = setInterval(load, 15_000);
    return () => clearInterval(timer);
  }, [load]);

  async function claim(chatId: string) {
    setError(null);
    try {
      await unwrap(api.assignment.POST("/v1/queue/{chat_id}/claim", { params: { path: { chat_id: chatId } } }));
      navigate(["chats", chatId]);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 409 ? "Someone else claimed that chat first." : errorText(e));
      load();
    }
  }

  if (items.length === 0 && !error) return null;
  return (
    <section className="card queue" aria-label="Queue">
      <h2>Waiting for an agent ({items.length})</h2>
      <ol>
        {items.map((q) => (
          <li key={q.chat_id}>
            <a href={href(["chats", q.chat_id])}>{personName(store.chats.get(q.chat_id))}</a> · waiting {since(q.enqueued_at)}
            {q.summary && <span className="muted"> · {q.summary}</span>}{" "}
            <button type="button" onClick={() => void claim(q.chat_id)}>
              Claim
            </button>
          </li>
        ))}
      </ol>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
