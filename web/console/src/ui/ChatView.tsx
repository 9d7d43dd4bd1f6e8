import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, unwrap } from "../api/client";
import type { Chat, Message, Note } from "../api/types";
import { canOnChat } from "../auth/permissions";
import { mergeMessages, mergeNote, missingAfter, timeline } from "../logic/timeline";
import { Composer } from "./Composer";
import { DetailsPanel } from "./DetailsPanel";
import { errorText, formatDateTime, formatTime, STATUS_LABEL } from "./format";
import { NoteColourSelect } from "./NoteColour";
import { href } from "./router";
import { personName, useLive, useSession } from "./session";

const DELIVERY_LABEL: Record<string, string> = {
  pending: "Sending",
  sent: "Sent",
  delivered: "Delivered",
  read: "Read",
  failed: "Failed — not delivered",
};

export function ChatView({ chatId }: { chatId: string }) {
  const { api, live, me } = useSession();
  const { store } = useLive();
  const [initial, setInitial] = useState<Chat | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [notes, setNotes] = useState<Note[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const messagesRef = useRef<Message[]>([]);
  messagesRef.current = messages;

  const loadMessages = useCallback(
    async (afterSeq: number) => {
      let after = afterSeq;
      for (let i = 0; i < 50; i++) {
        const page = await unwrap(
          api.inbox.GET("/v1/chats/{chat_id}/messages", { params: { path: { chat_id: chatId }, query: { after_seq: after, limit: 500 } } }),
        );
        setMessages((current) => mergeMessages(current, page.items));
        if (page.items.length < 500 || page.next_after_seq === after) break;
        after = page.next_after_seq;
      }
    },
    [api, chatId],
  );

  const reloadChat = useCallback(async () => {
    const chat = await unwrap(api.inbox.GET("/v1/chats/{chat_id}", { params: { path: { chat_id: chatId } } }));
    live.mergeChats([chat]);
    setInitial(chat);
    return chat;
  }, [api, chatId, live]);

  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    setError(null);
    setMessages([]);
    setNotes([]);
    (async () => {
      await reloadChat();
      await Promise.all([
        loadMessages(0),
        unwrap(api.inbox.GET("/v1/chats/{chat_id}/notes", { params: { path: { chat_id: chatId }, query: { page_size: 200 } } })).then(
          (page) => !cancelled && setNotes(page.items),
        ),
      ]);
    })()
      .catch((e: unknown) => {
        if (cancelled) return;
        setError(
          e instanceof ApiError && e.status === 404
            ? "This chat does not exist or is not yours to see (it may have been transferred or deleted)."
            : errorText(e),
        );
      })
      .finally(() => !cancelled && setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [api, chatId, loadMessages, reloadChat]);

  useEffect(
    () =>
      live.onChat(chatId, (frame) => {
        if (frame.type === "message.created" || frame.type === "message.updated") {
          const gapAfter = frame.type === "message.created" ? missingAfter(messagesRef.current, frame.data) : null;
          setMessages((current) => mergeMessages(current, [frame.data]));
          if (gapAfter !== null) void loadMessages(gapAfter).catch(() => {});
        } else if (frame.type === "note.changed") {
          setNotes((current) => mergeNote(current, frame.data.note, frame.data.deleted));
        }
      }),
    [chatId, live, loadMessages],
  );

  const chat = store.chats.get(chatId) ?? (store.gone.has(chatId) ? null : initial);
  const gone = store.gone.has(chatId) && !store.chats.has(chatId);
  const items = useMemo(() => timeline(messages, notes), [messages, notes]);

  const logEnd = useRef<HTMLLIElement>(null);
  // A block body: scrollIntoView returns a Promise in current Chromium, and an effect must return
  // nothing but a clean-up function (React calls it, and the whole view crashed).
  useEffect(() => {
    logEnd.current?.scrollIntoView({ block: "end" });
  }, [items.length]);

  if (error) {
    return (
      <div className="page">
        <p>
          <a href={href(["chats"])}>← Back to chats</a>
        </p>
        <p className="error" role="alert">
          {error}
        </p>
      </div>
    );
  }
  if (!chat) {
    return (
      <div className="page">
        <p>
          <a href={href(["chats"])}>← Back to chats</a>
        </p>
        <p role="status">{gone ? "This chat left your list: it was transferred away or deleted." : loading ? "Loading the chat…" : ""}</p>
      </div>
    );
  }

  const mayManage = canOnChat(me, chat, "manage");
  return (
    <div className="chat-view">
      <section className="conversation" aria-label="Conversation">
        <header className="conversation-head">
          <a href={href(["chats"])}>← Back to chats</a>
          <h1>
            {personName(chat)} <span className={`pill status-pill-${chat.status}`}>{STATUS_LABEL[chat.status]}</span>{" "}
            {chat.mode === "ai" && <span className="pill ai">AI chat</span>}
          </h1>
          {gone && (
            <p className="warning" role="status">
              This chat left your list (transferred away or deleted). What you see is its last state.
            </p>
          )}
        </header>
        <ol className="messages" aria-label="Messages" aria-live="polite" aria-busy={loading}>
          {items.map((item) =>
            item.kind === "note" ? (
              <NoteItem key={`n-${item.note.id}`} note={item.note} chatId={chatId} editable={mayManage} onChanged={(n, deleted) => setNotes((c) => mergeNote(c, n, deleted))} />
            ) : (
              <MessageItem key={`m-${item.message.id}`} message={item.message} />
            ),
          )}
          <li ref={logEnd} aria-hidden="true" className="end" />
        </ol>
        {!loading && items.length === 0 && <p className="empty">No messages yet.</p>}
        <Composer chat={chat} onSent={(m) => setMessages((c) => mergeMessages(c, [m]))} onNote={(n) => setNotes((c) => mergeNote(c, n, false))} />
      </section>
      <DetailsPanel chat={chat} onReload={() => void reloadChat()} />
    </div>
  );
}

function MessageItem({ message }: { message: Message }) {
  const { author } = message;
  const who =
    author.type === "person"
      ? author.name || "Unknown"
      : author.type === "ai"
        ? "AI agent"
        : author.type === "system"
          ? "System"
          : author.alias
            ? `${author.alias} (${author.name ?? "agent"})`
            : (author.name ?? "Agent");
  if (author.type === "system") {
    return (
      <li className="message system">
        <span>{message.text}</span> <time dateTime={message.created_at}>{formatTime(message.created_at)}</time>
      </li>
    );
  }
  return (
    <li
      className={`message from-${author.type}${message.kind ? ` kind-${message.kind}` : ""}`}
      aria-label={`${who} at ${formatDateTime(message.created_at)}`}
    >
      <div className="meta">
        <strong>{who}</strong>
        {author.type === "ai" && <span className="pill ai">AI</span>}
        {/* what the message is comes from its `kind`, never from its wording */}
        {message.kind === "feedback_request" && <span className="pill">Rating request</span>}
        <time dateTime={message.created_at}>{formatTime(message.created_at)}</time>
      </div>
      {message.text && <p className="text">{message.text}</p>}
      {(message.attachments ?? []).length > 0 && (
        <ul className="attachments" aria-label="Attachments">
          {(message.attachments ?? []).map((a) => (
            <li key={a.url}>
              <a href={a.url} target="_blank" rel="noreferrer noopener">
                {a.name ?? a.content_type}
              </a>
            </li>
          ))}
        </ul>
      )}
      {message.delivery && (
        <span className={`delivery delivery-${message.delivery}`} aria-label={`Delivery: ${DELIVERY_LABEL[message.delivery] ?? message.delivery}`}>
          {DELIVERY_LABEL[message.delivery] ?? message.delivery}
        </span>
      )}
    </li>
  );
}


function NoteItem({
  note,
  chatId,
  editable,
  onChanged,
}: {
  note: Note;
  chatId: string;
  editable: boolean;
  onChanged: (note: Note, deleted: boolean) => void;
}) {
  const { api } = useSession();
  const [editing, setEditing] = useState(false);
  const [body, setBody] = useState(note.body);
  const [colour, setColour] = useState(note.colour);
  const [error, setError] = useState<string | null>(null);
  const path = { chat_id: chatId, note_id: note.id };

  async function save() {
    try {
      onChanged(await unwrap(api.inbox.PATCH("/v1/chats/{chat_id}/notes/{note_id}", { params: { path }, body: { body, colour } })), false);
      setEditing(false);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }
  async function remove() {
    try {
      await unwrap(api.inbox.DELETE("/v1/chats/{chat_id}/notes/{note_id}", { params: { path } }));
      onChanged(note, true);
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <li className={`note note-${note.colour}`} aria-label={`Note by ${note.author.name ?? "an agent"}`}>
      <div className="meta">
        <strong>Note · {note.author.name ?? note.author.id}</strong>
        <time dateTime={note.created_at}>{formatTime(note.created_at)}</time>
      </div>
      {editing ? (
        <div className="note-edit">
          <label>
            Edit note
            <textarea value={body} onChange={(e) => setBody(e.target.value)} rows={3} />
          </label>
          <NoteColourSelect value={colour} onChange={setColour} />
          <button type="button" onClick={() => void save()}>
            Save note
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <p className="text">{note.body}</p>
      )}
      {editable && !editing && (
        <div className="note-actions">
          <button type="button" className="link" onClick={() => setEditing(true)}>
            Edit note
          </button>
          <button type="button" className="link" onClick={() => void remove()}>
            Delete note
          </button>
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
