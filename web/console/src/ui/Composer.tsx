import { useId, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { ApiError, unwrap } from "../api/client";
import type { Attachment, CannedReply, Chat, Message, Note, StoredAttachment } from "../api/types";
import { canOnChat } from "../auth/permissions";
import { serviceUrl } from "../config";
import { cannedMatches, insertAt, insertCanned, newClientMessageId, replyAction, shortcutAt, variables } from "../logic/composer";
import { errorText } from "./format";
import { NoteColourSelect } from "./NoteColour";
import { useSession } from "./session";

interface Pending {
  clientId: string;
  text: string;
  attachments: Attachment[];
  takeover: boolean;
  aliasId: string | null;
  error: string | null;
}


export function Composer({ chat, onSent, onNote }: { chat: Chat; onSent: (m: Message) => void; onNote: (n: Note) => void }) {
  const { api, me, catalog } = useSession();
  const [chosenMode, setMode] = useState<"reply" | "note">("reply");
  const [text, setText] = useState("");
  const [caret, setCaret] = useState(0);
  const [aliasId, setAliasId] = useState<string>("");
  const [colour, setColour] = useState<Note["colour"]>("yellow");
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const [uploading, setUploading] = useState(0);
  const [pending, setPending] = useState<Pending[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const [cannedClosed, setCannedClosed] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  const id = useId();

  const inTeamspace = <T extends { teamspace_id: string }>(items: T[]) => items.filter((i) => i.teamspace_id === chat.teamspace_id);
  const canned = inTeamspace(catalog.canned);
  const aliases = inTeamspace(catalog.aliases);
  const fields = inTeamspace(catalog.fields);
  const action = replyAction({
    userId: me.id,
    assigneeId: chat.assignee_id,
    mode: chat.mode,
    canManage: canOnChat(me, chat, "manage"),
    canTransfer: me.permissions.has("transfer"),
  });
  const mayNote = canOnChat(me, chat, "manage");
  const mode = action === "none" ? "note" : chosenMode;

  const shortcut = shortcutAt(text, caret);
  const query = shortcut?.query ?? null;
  const matches = useMemo(() => (query === null ? [] : cannedMatches(canned, query)), [query, canned]);
  const showCanned = shortcut !== null && matches.length > 0 && !cannedClosed;

  function pick(reply: CannedReply) {
    if (!shortcut) return;
    const next = insertCanned(text, shortcut.start, caret, reply);
    setText(next.text);
    setCaret(next.caret);
    requestAnimationFrame(() => {
      box.current?.focus();
      box.current?.setSelectionRange(next.caret, next.caret);
    });
  }

  function insertVariable(token: string) {
    const next = insertAt(text, box.current?.selectionStart ?? text.length, token);
    setText(next.text);
    setCaret(next.caret);
    requestAnimationFrame(() => {
      box.current?.focus();
      box.current?.setSelectionRange(next.caret, next.caret);
    });
  }

  async function upload(files: FileList | null) {
    if (!files) return;
    for (const file of Array.from(files)) {
      setUploading((n) => n + 1);
      try {
        const url = `${serviceUrl(api.base, "inbox")}/v1/attachments?${new URLSearchParams({ chat_id: chat.id, name: file.name })}`;
        const response = await api.fetch(url, {
          method: "POST",
          body: file,
          headers: { "Content-Type": file.type || "application/octet-stream" },
        });
        const body = (await response.json().catch(() => null)) as StoredAttachment | { error?: { message?: string } } | null;
        if (!response.ok || !body || !("url" in body)) {
          const message = body && "error" in body ? body.error?.message : undefined;
          throw new Error(`${file.name}: ${message ?? `upload failed (${response.status})`}`);
        }
        setAttachments((list) => [...list, { url: body.url, content_type: body.content_type, name: body.name, size: body.size }]);
      } catch (e) {
        setError(errorText(e));
      } finally {
        setUploading((n) => n - 1);
      }
    }
  }

  async function deliver(p: Pending) {
    setPending((list) => [...list.filter((x) => x.clientId !== p.clientId), { ...p, error: null }]);
    try {
      const message = await unwrap(
        api.inbox.POST("/v1/chats/{chat_id}/messages", {
          params: { path: { chat_id: chat.id }, query: { takeover: p.takeover } },
          body: { text: p.text, attachments: p.attachments, client_message_id: p.clientId, alias_id: p.aliasId },
        }),
      );
      setPending((list) => list.filter((x) => x.clientId !== p.clientId));
      onSent(message);
    } catch (e) {
      const why =
        e instanceof ApiError && e.code === "not_assignee"
          ? "Someone else holds this chat now. Use Takeover & Send to take it over."
          : errorText(e);
      setPending((list) => list.map((x) => (x.clientId === p.clientId ? { ...x, error: why } : x)));
    }
  }

  async function send(takeover: boolean) {
    setError(null);
    if (mode === "note") {
      if (!text.trim()) return;
      try {
        const note = await unwrap(api.inbox.POST("/v1/chats/{chat_id}/notes", { params: { path: { chat_id: chat.id } }, body: { body: text, colour } }));
        onNote(note);
        setText("");
      } catch (e) {
        setError(errorText(e));
      }
      return;
    }
    if (!text.trim() && attachments.length === 0) return;
    const p: Pending = { clientId: newClientMessageId(), text, attachments, takeover, aliasId: aliasId || null, error: null };
    setText("");
    setAttachments([]);
    await deliver(p);
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (showCanned) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        setActive((i) => (i + (e.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length);
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        const reply = matches[Math.min(active, matches.length - 1)];
        if (reply) pick(reply);
        return;
      }
      if (e.key === "Escape") {
        setCannedClosed(true);
        return;
      }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      if (mode === "note") void send(false);
      else if (action !== "none") void send(action === "takeover");
    }
  }

  if (action === "none" && !mayNote) {
    return (
      <p className="composer-disabled" role="note">
        You may not reply to this chat{chat.assignee_id ? " (another user holds it and you have no transfer permission)" : ""}.
      </p>
    );
  }

  const listId = `${id}-canned`;
  return (
    <section className="composer" aria-label="Reply box">
      {pending.length > 0 && (
        <ul className="pending" aria-label="Messages being sent">
          {pending.map((p) => (
            <li key={p.clientId} className={p.error ? "failed" : ""}>
              <span>{p.text || `${p.attachments.length} attachment(s)`}</span>{" "}
              {p.error ? (
                <>
                  <span role="alert" className="error">
                    Not sent: {p.error}
                  </span>{" "}
                  <button type="button" onClick={() => void deliver(p)}>
                    Retry
                  </button>
                  {!p.takeover && action === "takeover" && (
                    <button type="button" onClick={() => void deliver({ ...p, takeover: true })}>
                      Takeover &amp; Send
                    </button>
                  )}
                  <button type="button" onClick={() => setPending((l) => l.filter((x) => x.clientId !== p.clientId))}>
                    Discard
                  </button>
                </>
              ) : (
                <span className="muted">Sending…</span>
              )}
            </li>
          ))}
        </ul>
      )}
      <div className="composer-modes" role="group" aria-label="Compose mode">
        <button type="button" aria-pressed={mode === "reply"} onClick={() => setMode("reply")} disabled={action === "none"}>
          Reply
        </button>
        <button type="button" aria-pressed={mode === "note"} onClick={() => setMode("note")} disabled={!mayNote}>
          Note
        </button>
      </div>
      <div className="composer-box">
        <label htmlFor={`${id}-text`} className="visually-hidden">
          {mode === "reply" ? "Reply message" : "Note text"}
        </label>
        <textarea
          id={`${id}-text`}
          ref={box}
          className={mode === "note" ? `note-${colour}` : ""}
          value={text}
          rows={3}
          placeholder={mode === "reply" ? "Write a reply… (/ for canned replies, Enter to send, Shift+Enter for a new line)" : "Internal note, never sent to the person"}
          onChange={(e) => {
            setText(e.target.value);
            setCaret(e.target.selectionStart);
            setActive(0);
            setCannedClosed(false);
          }}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onKeyDown={onKeyDown}
          aria-controls={showCanned ? listId : undefined}
          aria-autocomplete="list"
          aria-activedescendant={showCanned ? `${listId}-${Math.min(active, matches.length - 1)}` : undefined}
          maxLength={mode === "reply" ? 4096 : 5000}
        />
        {showCanned && (
          <ul id={listId} role="listbox" aria-label="Canned replies" className="canned-list">
            {matches.map((r, i) => (
              <li
                key={r.id}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                onMouseDown={(e) => {
                  e.preventDefault();
                  pick(r);
                }}
              >
                <strong>/{r.shortcut}</strong> {r.title} <span className="muted">{r.body.slice(0, 60)}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      {attachments.length > 0 && (
        <ul className="chips" aria-label="Attachments to send">
          {attachments.map((a) => (
            <li key={a.url}>
              {a.name ?? a.content_type}{" "}
              <button type="button" className="link" aria-label={`Remove attachment ${a.name ?? ""}`} onClick={() => setAttachments((l) => l.filter((x) => x.url !== a.url))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-tools">
        <label>
          Insert variable
          <select value="" onChange={(e) => e.target.value && insertVariable(e.target.value)}>
            <option value="">Choose…</option>
            {variables(fields).map((v) => (
              <option key={v.token} value={v.token}>
                {v.label} {v.token}
              </option>
            ))}
          </select>
        </label>
        {mode === "reply" ? (
          <>
            {aliases.length > 0 && (
              <label>
                Send as
                <select value={aliasId} onChange={(e) => setAliasId(e.target.value)}>
                  <option value="">Myself ({me.name})</option>
                  {aliases.map((a) => (
                    <option key={a.id} value={a.id}>
                      {a.name}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <label className="file">
              Attach files
              <input type="file" multiple onChange={(e) => void upload(e.target.files).then(() => (e.target.value = ""))} />
            </label>
            {uploading > 0 && <span role="status">Uploading…</span>}
            {action === "send" && (
              <button type="button" className="primary" disabled={uploading > 0} onClick={() => void send(false)}>
                Send
              </button>
            )}
            {action === "takeover" && (
              <button type="button" className="primary" disabled={uploading > 0} onClick={() => void send(true)}>
                Takeover &amp; Send
              </button>
            )}
          </>
        ) : (
          <>
            <NoteColourSelect value={colour} onChange={setColour} />
            <button type="button" className="primary" onClick={() => void send(false)}>
              Add note
            </button>
          </>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
