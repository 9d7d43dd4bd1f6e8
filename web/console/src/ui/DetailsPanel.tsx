import { useEffect, useId, useState, type FormEvent } from "react";
import { ApiError, unwrap } from "../api/client";
import type { Chat, ChatPatch, CustomField, Person } from "../api/types";
import { canOnChat } from "../auth/permissions";
import { serviceUrl } from "../config";
import { errorText, formatDateTime, ratingOf, STATUS_LABEL } from "./format";
import { href } from "./router";
import { personName, useSession } from "./session";

/** Statuses an agent may set by hand (overdue is set by the inbox's sweep only). */
const SETTABLE: Chat["status"][] = ["open", "pending", "resolved", "closed"];

function useAction(onDone?: (chat: Chat) => void) {
  const { live } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  async function run(work: () => Promise<Chat | void>, success?: string) {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const chat = await work();
      if (chat) {
        live.mergeChats([chat]);
        onDone?.(chat);
      }
      if (success) setDone(success);
    } catch (e) {
      setError(
        e instanceof ApiError && e.code === "version_mismatch"
          ? "Someone changed this chat meanwhile; it has been reloaded. Check and try again."
          : errorText(e),
      );
      throw e;
    } finally {
      setBusy(false);
    }
  }
  const feedback = (
    <>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {done && (
        <p className="info" role="status">
          {done}
        </p>
      )}
    </>
  );
  return { busy, run: (w: () => Promise<Chat | void>, s?: string) => run(w, s).catch(() => {}), feedback };
}

export function DetailsPanel({ chat, onReload }: { chat: Chat; onReload: () => void }) {
  const { api, me, userName, teamName, directory } = useSession();
  const mayManage = canOnChat(me, chat, "manage");
  const rating = ratingOf(chat);
  const app = directory.teamspaces.find((t) => t.id === chat.teamspace_id);
  const patch = (body: ChatPatch) =>
    unwrap(
      api.inbox.PATCH("/v1/chats/{chat_id}", {
        params: { path: { chat_id: chat.id }, header: { "if-match": String(chat.version) } },
        body,
      }),
    ).catch((e: unknown) => {
      if (e instanceof ApiError && e.code === "version_mismatch") onReload();
      throw e;
    });

  return (
    <aside className="details" aria-label="Chat details">
      <h2>Details</h2>
      <dl>
        <dt>ID</dt>
        <dd>
          <code>{chat.id}</code>
        </dd>
        <dt>App</dt>
        <dd>
          {chat.app.name ?? chat.app.id} <span className="muted">({chat.app.channel})</span>
        </dd>
        {app && (
          <>
            <dt>Teamspace</dt>
            <dd>{app.name}</dd>
          </>
        )}
        <dt>Created</dt>
        <dd>{formatDateTime(chat.created_at)}</dd>
        <dt>Rating</dt>
        <dd aria-label={rating === null ? "No rating" : `Rated ${rating} of 5`}>
          {rating === null ? "—" : `${"★".repeat(rating)}${"☆".repeat(5 - rating)} ${rating}/5`}
          {typeof chat.rating?.["comment"] === "string" && chat.rating["comment"] && <q>{chat.rating["comment"]}</q>}
        </dd>
        <dt>Assignee</dt>
        <dd>{chat.mode === "ai" && !chat.assignee_id ? "AI agent" : userName(chat.assignee_id)}</dd>
        <dt>Teams</dt>
        <dd>{(chat.team_ids ?? []).map(teamName).join(", ") || "—"}</dd>
        <dt>Mode</dt>
        <dd>{chat.mode === "ai" ? "AI chat" : "Livechat"}</dd>
      </dl>
      <StatusEditor chat={chat} editable={mayManage} patch={patch} />
      <DescriptionEditor chat={chat} editable={mayManage} patch={patch} />
      <PersonCard chat={chat} />
      <TagsEditor chat={chat} editable={mayManage} />
      <CustomFieldsEditor chat={chat} editable={mayManage} patch={patch} />
      <Transfer chat={chat} />
      <Ban chat={chat} />
      <Transcript chat={chat} />
      <AssignmentLog chat={chat} />
    </aside>
  );
}

type Patch = (body: ChatPatch) => Promise<Chat>;

function StatusEditor({ chat, editable, patch }: { chat: Chat; editable: boolean; patch: Patch }) {
  const { busy, run, feedback } = useAction();
  const id = useId();
  return (
    <section aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Status</h3>
      <div className="row">
        <label htmlFor={`${id}-s`} className="visually-hidden">
          Status
        </label>
        <select
          id={`${id}-s`}
          value={chat.status}
          disabled={!editable || busy}
          onChange={(e) => void run(() => patch({ status: e.target.value as Chat["status"] }), "Status changed.")}
        >
          {!SETTABLE.includes(chat.status) && <option value={chat.status}>{STATUS_LABEL[chat.status]}</option>}
          {SETTABLE.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABEL[s]}
            </option>
          ))}
        </select>
        {editable && chat.status !== "resolved" && (
          <button type="button" disabled={busy} onClick={() => void run(() => patch({ status: "resolved" }), "Resolved.")}>
            Resolve
          </button>
        )}
        {editable && chat.status !== "closed" && (
          <button type="button" disabled={busy} onClick={() => void run(() => patch({ status: "closed" }), "Closed: the AI agent asks the person for a rating.")}>
            Close chat
          </button>
        )}
      </div>
      {feedback}
    </section>
  );
}

function DescriptionEditor({ chat, editable, patch }: { chat: Chat; editable: boolean; patch: Patch }) {
  const [text, setText] = useState(chat.description ?? "");
  const [dirty, setDirty] = useState(false);
  const { busy, run, feedback } = useAction(() => setDirty(false));
  const id = useId();
  useEffect(() => {
    if (!dirty) setText(chat.description ?? "");
  }, [chat.description, dirty]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(() => patch({ description: text }), "Description saved.");
  };
  return (
    <form onSubmit={submit} aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Description</h3>
      <label htmlFor={`${id}-d`} className="visually-hidden">
        Description
      </label>
      <textarea
        id={`${id}-d`}
        value={text}
        readOnly={!editable}
        maxLength={2000}
        rows={2}
        onChange={(e) => {
          setText(e.target.value);
          setDirty(true);
        }}
      />
      {editable && (
        <button type="submit" disabled={busy || !dirty}>
          Save description
        </button>
      )}
      {feedback}
    </form>
  );
}

function PersonCard({ chat }: { chat: Chat }) {
  const { api } = useSession();
  const [person, setPerson] = useState<Person | null>(null);
  const personId = typeof chat.person?.["id"] === "string" ? chat.person["id"] : null;
  useEffect(() => {
    if (!personId) return;
    let cancelled = false;
    unwrap(api.inbox.GET("/v1/people/{person_id}", { params: { path: { person_id: personId } } }))
      .then((p) => !cancelled && setPerson(p))
      .catch(() => {});
    return () => {
      cancelled = true;
    };
  }, [api, personId]);
  const others = (person?.chats ?? []).filter((c) => c.id !== chat.id);
  return (
    <section aria-label="Person">
      <h3>Person</h3>
      <p>
        <strong>{personName(chat)}</strong>
        {person && (
          <>
            <br />
            <span className="muted">
              {person.channel} · {person.external_id}
              {person.language ? ` · ${person.language}` : ""}
            </span>
          </>
        )}
      </p>
      {others.length > 0 && (
        <details>
          <summary>Other chats ({others.length})</summary>
          <ul>
            {others.map((c) => (
              <li key={c.id}>
                <a href={href(["chats", c.id])}>
                  {formatDateTime(c.created_at)} · {STATUS_LABEL[c.status]}
                </a>
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

function TagsEditor({ chat, editable }: { chat: Chat; editable: boolean }) {
  const { api, catalog, tagName } = useSession();
  const { busy, run, feedback } = useAction();
  const [pick, setPick] = useState("");
  const id = useId();
  const tags = chat.tags ?? [];
  const available = catalog.tags.filter((t) => t.teamspace_id === chat.teamspace_id && !tags.includes(t.id));
  const groupName = (groupId: string | null | undefined) => catalog.tagGroups.find((g) => g.id === groupId)?.name;
  return (
    <section aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Tags</h3>
      <ul className="chips" aria-label="Tags of this chat">
        {tags.length === 0 && <li className="muted">No tags</li>}
        {tags.map((tagId) => (
          <li key={tagId}>
            {tagName(tagId)}
            {editable && (
              <button
                type="button"
                className="link"
                aria-label={`Remove tag ${tagName(tagId)}`}
                disabled={busy}
                onClick={() =>
                  void run(() =>
                    unwrap(api.inbox.DELETE("/v1/chats/{chat_id}/tags/{tag_id}", { params: { path: { chat_id: chat.id, tag_id: tagId } } })),
                  )
                }
              >
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
      {editable && (
        <div className="row">
          <label htmlFor={`${id}-add`}>Add tag</label>
          <select id={`${id}-add`} value={pick} onChange={(e) => setPick(e.target.value)}>
            <option value="">Choose a tag…</option>
            {available.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
                {groupName(t.group_id) ? ` (${groupName(t.group_id)})` : ""}
              </option>
            ))}
          </select>
          <button
            type="button"
            disabled={!pick || busy}
            onClick={() =>
              void run(async () => {
                const updated = await unwrap(api.inbox.POST("/v1/chats/{chat_id}/tags", { params: { path: { chat_id: chat.id } }, body: { tag_id: pick } }));
                setPick("");
                return updated;
              })
            }
          >
            Add
          </button>
        </div>
      )}
      {feedback}
    </section>
  );
}

function fieldValue(field: CustomField, raw: string | boolean): unknown {
  if (field.type === "toggle") return raw === true;
  if (raw === "") return null;
  if (field.type === "number") return Number(raw);
  return raw;
}

function CustomFieldsEditor({ chat, editable, patch }: { chat: Chat; editable: boolean; patch: Patch }) {
  const { catalog } = useSession();
  const fields = catalog.fields.filter((f) => f.teamspace_id === chat.teamspace_id);
  const [draft, setDraft] = useState<Record<string, string | boolean>>({});
  const { busy, run, feedback } = useAction(() => setDraft({}));
  const id = useId();
  if (fields.length === 0) return null;
  const current = (f: CustomField): string | boolean => {
    if (f.key in draft) return draft[f.key]!;
    const v = chat.custom_fields?.[f.key] ?? f.default ?? null;
    if (f.type === "toggle") return v === true;
    return v === null || v === undefined ? "" : String(v);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const changes: Record<string, unknown> = {};
    for (const f of fields) if (f.key in draft) changes[f.key] = fieldValue(f, draft[f.key]!);
    void run(() => patch({ custom_fields: changes }), "Custom fields saved.");
  };
  return (
    <form onSubmit={submit} aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Custom fields</h3>
      {fields.map((f) => {
        const value = current(f);
        const set = (v: string | boolean) => setDraft((d) => ({ ...d, [f.key]: v }));
        const inputId = `${id}-${f.key}`;
        return (
          <div key={f.id} className="field">
            <label htmlFor={inputId}>{f.name}</label>
            {f.type === "toggle" ? (
              <input id={inputId} type="checkbox" checked={value === true} disabled={!editable} onChange={(e) => set(e.target.checked)} />
            ) : f.type === "dropdown" ? (
              <select id={inputId} value={String(value)} disabled={!editable} onChange={(e) => set(e.target.value)}>
                <option value="">—</option>
                {(f.options ?? []).map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id={inputId}
                type={f.type === "number" ? "number" : f.type === "date" ? "date" : "text"}
                value={String(value)}
                readOnly={!editable}
                onChange={(e) => set(e.target.value)}
              />
            )}
            {f.description && <small className="muted">{f.description}</small>}
          </div>
        );
      })}
      {editable && (
        <button type="submit" disabled={busy || Object.keys(draft).length === 0}>
          Save custom fields
        </button>
      )}
      {feedback}
    </form>
  );
}

function Transfer({ chat }: { chat: Chat }) {
  const { api, me, directory } = useSession();
  const { busy, run, feedback } = useAction();
  const [target, setTarget] = useState("");
  const id = useId();
  const allowed = canOnChat(me, chat, "view") && (chat.assignee_id === me.id || me.permissions.has("transfer"));
  if (!allowed) return null;
  const teams = directory.teams.filter((t) => t.teamspace_id === chat.teamspace_id);
  const teamIds = new Set(teams.map((t) => t.id));
  const agents = directory.users.filter((u) => u.active && u.id !== chat.assignee_id && u.team_ids.some((t) => teamIds.has(t)));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const [kind, targetId] = target.split(":", 2);
    if (!targetId) return;
    void run(async () => {
      const updated = await unwrap(
        api.inbox.POST("/v1/chats/{chat_id}/transfer", {
          params: { path: { chat_id: chat.id } },
          body: kind === "team" ? { team_id: targetId } : { agent_id: targetId },
        }),
      );
      setTarget("");
      return updated;
    }, "Transferred.");
  };
  return (
    <form onSubmit={submit} aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Transfer</h3>
      <div className="row">
        <label htmlFor={`${id}-t`} className="visually-hidden">
          Transfer to
        </label>
        <select id={`${id}-t`} value={target} onChange={(e) => setTarget(e.target.value)}>
          <option value="">Transfer to…</option>
          <optgroup label="Agents">
            {agents.map((u) => (
              <option key={u.id} value={`agent:${u.id}`}>
                {u.name}
              </option>
            ))}
          </optgroup>
          <optgroup label="Teams">
            {teams.map((t) => (
              <option key={t.id} value={`team:${t.id}`}>
                {t.name}
              </option>
            ))}
          </optgroup>
        </select>
        <button type="submit" disabled={!target || busy}>
          Transfer
        </button>
      </div>
      {feedback}
    </form>
  );
}

const BAN_LENGTHS: { value: string; label: string }[] = [
  { value: "rule", label: "By the ban rules (default)" },
  { value: "60", label: "1 hour" },
  { value: "1440", label: "1 day" },
  { value: "10080", label: "1 week" },
  { value: "43200", label: "30 days" },
  { value: "permanent", label: "Permanent" },
];

function Ban({ chat }: { chat: Chat }) {
  const { api, me, catalog } = useSession();
  const { busy, run, feedback } = useAction();
  const [reason, setReason] = useState("");
  const [length, setLength] = useState("rule");
  const [confirming, setConfirming] = useState(false);
  const id = useId();
  const personId = typeof chat.person?.["id"] === "string" ? chat.person["id"] : null;
  if (!canOnChat(me, chat, "ban") || !personId) return null;
  const reasons = catalog.banReasons.filter((r) => r.teamspace_id === chat.teamspace_id);
  const ban = () =>
    void run(async () => {
      const body =
        length === "rule"
          ? { person_id: personId, reason_id: reason }
          : { person_id: personId, reason_id: reason, length_minutes: length === "permanent" ? null : Number(length) };
      await unwrap(api.inbox.POST("/v1/bans", { body }));
      setConfirming(false);
    }, `${personName(chat)} is banned.`);
  return (
    <section aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Ban</h3>
      {reasons.length === 0 ? (
        <p className="muted">No ban reasons yet: an admin adds them in Settings before anyone can be banned.</p>
      ) : (
        <>
          <div className="row">
            <label htmlFor={`${id}-r`}>Ban reason</label>
            <select id={`${id}-r`} value={reason} onChange={(e) => setReason(e.target.value)}>
              <option value="">Choose…</option>
              {reasons.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </div>
          <div className="row">
            <label htmlFor={`${id}-l`}>Ban length</label>
            <select id={`${id}-l`} value={length} onChange={(e) => setLength(e.target.value)}>
              {BAN_LENGTHS.map((l) => (
                <option key={l.value} value={l.value}>
                  {l.label}
                </option>
              ))}
            </select>
          </div>
          {confirming ? (
            <div role="alertdialog" aria-label="Confirm ban" className="confirm">
              <p>Ban {personName(chat)}? Their messages will stop reaching anyone.</p>
              <button type="button" className="danger" disabled={busy} onClick={ban}>
                Ban person
              </button>
              <button type="button" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          ) : (
            <button type="button" className="danger" disabled={!reason} onClick={() => setConfirming(true)}>
              Ban…
            </button>
          )}
        </>
      )}
      {feedback}
    </section>
  );
}

function Transcript({ chat }: { chat: Chat }) {
  const { api, me } = useSession();
  const [error, setError] = useState<string | null>(null);
  if (!canOnChat(me, chat, "download")) return null;
  async function download(format: "txt" | "json") {
    setError(null);
    try {
      const response = await api.fetch(`${serviceUrl(api.base, "export")}/v1/chats/${encodeURIComponent(chat.id)}/transcript?format=${format}`);
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        throw new Error(body?.error?.message ?? `${response.status} ${response.statusText}`);
      }
      saveBlob(await response.blob(), `chat-${chat.id}.${format}`);
    } catch (e) {
      setError(errorText(e));
    }
  }
  return (
    <section aria-label="Transcript">
      <h3>Transcript</h3>
      <div className="row">
        <button type="button" onClick={() => void download("txt")}>
          Download transcript (text)
        </button>
        <button type="button" onClick={() => void download("json")}>
          Download transcript (JSON)
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function AssignmentLog({ chat }: { chat: Chat }) {
  const { api, userName } = useSession();
  const [log, setLog] = useState<{ at: string; method: string; chosen: string | null; reason: string }[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function load() {
    try {
      const page = await unwrap(api.assignment.GET("/v1/chats/{chat_id}/assignment-log", { params: { path: { chat_id: chat.id } } }));
      setLog(page.items.map((i) => ({ at: i.at, method: i.decision.method, chosen: i.decision.user_id ?? null, reason: i.decision.reason })));
    } catch (e) {
      setError(errorText(e));
    }
  }
  return (
    <details onToggle={(e) => (e.currentTarget.open && log === null ? void load() : undefined)}>
      <summary>Assignment log (why this agent)</summary>
      {error && <p className="error">{error}</p>}
      {log && log.length === 0 && <p className="muted">No routing decisions for this chat.</p>}
      <ol>
        {(log ?? []).map((d, i) => (
          <li key={i}>
            {formatDateTime(d.at)} · {d.method.replace("_", " ")} → {d.chosen ? userName(d.chosen) : "nobody"}: {d.reason}
          </li>
        ))}
      </ol>
    </details>
  );
}
