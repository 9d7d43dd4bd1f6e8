/**
 * Settings pages (the `settings` permission; users, teams and channel apps: admins): each section
 * lists what exists and offers a form to add (and, where the API allows, delete) — all over the
 * public API, through one small generic list component.
 */
import { useCallback, useEffect, useId, useState, type FormEvent, type ReactNode } from "react";
import { allPages, unwrap } from "../api/client";
import type { Permission, Teamspace } from "../api/types";
import { ALL_PERMISSIONS, can, isAdmin } from "../auth/permissions";
import { errorText } from "./format";
import { href } from "./router";
import { useSession } from "./session";

const SECTIONS: { key: string; label: string; admin?: boolean }[] = [
  { key: "teams", label: "Teams" },
  { key: "users", label: "Users", admin: true },
  { key: "assignment", label: "Assignment" },
  { key: "tags", label: "Tags & groups" },
  { key: "fields", label: "Custom fields" },
  { key: "canned", label: "Canned replies" },
  { key: "aliases", label: "Aliases" },
  { key: "bans", label: "Ban reasons & rules" },
  { key: "apps", label: "Channel apps", admin: true },
];

export function Settings({ section }: { section: string }) {
  const { me } = useSession();
  if (!can(me, "settings")) return <p className="page">You may not change settings.</p>;
  const visible = SECTIONS.filter((s) => !s.admin || isAdmin(me));
  const current = visible.find((s) => s.key === section) ?? visible[0]!;
  return (
    <div className="page settings">
      <nav aria-label="Settings sections" className="settings-nav">
        {visible.map((s) => (
          <a key={s.key} href={href(["settings", s.key])} aria-current={s.key === current.key ? "page" : undefined}>
            {s.label}
          </a>
        ))}
      </nav>
      <section className="settings-body" aria-label={current.label}>
        <h1>{current.label}</h1>
        <TeamspacePicker>{(ts) => <Section key={`${current.key}:${ts.id}`} name={current.key} teamspace={ts} />}</TeamspacePicker>
      </section>
    </div>
  );
}

function TeamspacePicker({ children }: { children: (teamspace: Teamspace) => ReactNode }) {
  const { directory } = useSession();
  const [id, setId] = useState(directory.teamspaces[0]?.id ?? "");
  const teamspace = directory.teamspaces.find((t) => t.id === id);
  if (!teamspace) return <p className="muted">No teamspace.</p>;
  return (
    <>
      {directory.teamspaces.length > 1 && (
        <label>
          Teamspace
          <select value={id} onChange={(e) => setId(e.target.value)}>
            {directory.teamspaces.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {children(teamspace)}
    </>
  );
}

type FieldSpec = {
  name: string;
  label: string;
  type?: "text" | "number" | "select" | "checkbox" | "textarea" | "multiselect";
  options?: { value: string; label: string }[];
  required?: boolean;
  placeholder?: string;
};

interface Row {
  id: string;
  cells: ReactNode[];
}

/** A table of what exists, an "Add" form, and Delete buttons when `remove` is given. */
function CrudList({
  title,
  columns,
  load,
  fields,
  create,
  remove,
  after,
}: {
  title: string;
  columns: string[];
  load: () => Promise<Row[]>;
  fields: FieldSpec[];
  create: (values: Record<string, string | boolean | string[]>) => Promise<unknown>;
  remove?: (id: string) => Promise<unknown>;
  after?: (created: unknown) => void;
}) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const blank = () => Object.fromEntries(fields.map((f) => [f.name, f.type === "checkbox" ? false : f.type === "multiselect" ? [] : ""]));
  const [values, setValues] = useState<Record<string, string | boolean | string[]>>(blank);
  const id = useId();
  const reload = useCallback(() => {
    load()
      .then(setRows)
      .catch((e: unknown) => setError(errorText(e)));
  }, [load]);
  useEffect(reload, [reload]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const created = await create(values);
      setValues(blank());
      setStatus(`${title}: added.`);
      after?.(created);
      reload();
    } catch (err) {
      setError(errorText(err));
    }
  }
  async function del(rowId: string) {
    if (!remove) return;
    setError(null);
    try {
      await remove(rowId);
      setStatus(`${title}: deleted.`);
      reload();
    } catch (err) {
      setError(errorText(err));
    }
  }

  return (
    <section className="crud" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{title}</h2>
      <table aria-label={title}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
            {remove && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {(rows ?? []).map((r) => (
            <tr key={r.id}>
              {r.cells.map((c, i) => (
                <td key={i}>{c}</td>
              ))}
              {remove && (
                <td>
                  <button type="button" className="danger" aria-label={`Delete ${String(r.cells[0])}`} onClick={() => void del(r.id)}>
                    Delete
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {rows?.length === 0 && <p className="empty">None yet.</p>}
      <form onSubmit={submit} className="inline-form" aria-label={`Add ${title.toLowerCase()}`}>
        {fields.map((f) => {
          const fid = `${id}-${f.name}`;
          const v = values[f.name];
          const set = (x: string | boolean | string[]) => setValues((all) => ({ ...all, [f.name]: x }));
          return (
            <span key={f.name} className="field">
              <label htmlFor={fid}>{f.label}</label>
              {f.type === "select" ? (
                <select id={fid} value={String(v)} required={f.required} onChange={(e) => set(e.target.value)}>
                  <option value="">—</option>
                  {(f.options ?? []).map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
              ) : f.type === "multiselect" ? (
                <select id={fid} multiple value={v as string[]} onChange={(e) => set(Array.from(e.target.selectedOptions, (o) => o.value))}>
                  {(f.options ?? []).map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
              ) : f.type === "checkbox" ? (
                <input id={fid} type="checkbox" checked={v === true} onChange={(e) => set(e.target.checked)} />
              ) : f.type === "textarea" ? (
                <textarea id={fid} value={String(v)} required={f.required} rows={2} onChange={(e) => set(e.target.value)} />
              ) : (
                <input
                  id={fid}
                  type={f.type ?? "text"}
                  value={String(v)}
                  required={f.required}
                  placeholder={f.placeholder}
                  onChange={(e) => set(e.target.value)}
                />
              )}
            </span>
          );
        })}
        <button type="submit">Add</button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {status && (
        <p className="info" role="status">
          {status}
        </p>
      )}
    </section>
  );
}

const str = (v: unknown) => (typeof v === "string" ? v : "");
const list = (v: unknown) => (Array.isArray(v) ? (v as string[]) : []);
const permissionOptions = ALL_PERMISSIONS.map((p) => ({ value: p, label: p }));
const page = { page_size: 200 };

function Section({ name, teamspace }: { name: string; teamspace: Teamspace }) {
  const { api, directory, reloadCatalog, reloadDirectory, teamName } = useSession();
  const ts = teamspace.id;
  const q = { ...page, teamspace_id: ts };
  const teams = directory.teams.filter((t) => t.teamspace_id === ts);
  const teamOptions = teams.map((t) => ({ value: t.id, label: t.name }));
  const refreshCatalog = () => void reloadCatalog();
  const refreshDirectory = () => void reloadDirectory();

  switch (name) {
    case "teams":
      return (
        <CrudList
          title="Teams"
          columns={["Name", "Grants", "ID"]}
          load={useCallback(
            async () =>
              (await allPages((p) => unwrap(api.assignment.GET("/v1/teams", { params: { query: { ...page, page: p } } }))))
                .filter((t) => t.teamspace_id === ts)
                .map((t) => ({ id: t.id, cells: [t.name, (t.grants ?? []).join(", ") || "—", t.id] })),
            [ts],
          )}
          fields={[
            { name: "name", label: "Team name", required: true },
            { name: "grants", label: "Team grants", type: "multiselect", options: permissionOptions },
          ]}
          create={(v) => unwrap(api.assignment.POST("/v1/teams", { body: { teamspace_id: ts, name: str(v["name"]), grants: list(v["grants"]) as Permission[] } }))}
          after={refreshDirectory}
        />
      );
    case "users":
      return (
        <CrudList
          title="Users"
          columns={["Name", "Role", "Teams", "Active"]}
          load={useCallback(
            async () =>
              (await allPages((p) => unwrap(api.assignment.GET("/v1/users", { params: { query: { ...page, page: p } } })))).map((u) => ({
                id: u.id,
                cells: [u.name, u.role, u.team_ids.map(teamName).join(", ") || "—", u.active ? "yes" : "no"],
              })),
            [],
          )}
          fields={[
            { name: "name", label: "User name", required: true },
            { name: "email", label: "Email", type: "text", required: true },
            {
              name: "role",
              label: "Role",
              type: "select",
              required: true,
              options: [
                { value: "agent", label: "Agent" },
                { value: "supervisor", label: "Supervisor" },
                { value: "admin", label: "Admin" },
              ],
            },
            { name: "team_ids", label: "User teams", type: "multiselect", options: directory.teams.map((t) => ({ value: t.id, label: t.name })) },
            { name: "max_chats", label: "Max chats", type: "number" },
          ]}
          create={(v) =>
            unwrap(
              api.assignment.POST("/v1/users", {
                body: {
                  name: str(v["name"]),
                  email: str(v["email"]),
                  role: (str(v["role"]) || "agent") as "agent",
                  team_ids: list(v["team_ids"]),
                  grants: [],
                  languages: [],
                  max_chats: str(v["max_chats"]) ? Number(v["max_chats"]) : null,
                },
              }),
            )
          }
          after={refreshDirectory}
        />
      );
    case "assignment":
      return <AssignmentSettings teamspaceId={ts} />;
    case "tags":
      return (
        <>
          <CrudList
            title="Tag groups"
            columns={["Name"]}
            load={useCallback(
              async () => (await allPages((p) => unwrap(api.inbox.GET("/v1/tag-groups", { params: { query: { ...q, page: p } } })))).map((g) => ({ id: g.id, cells: [g.name] })),
              [ts],
            )}
            fields={[{ name: "name", label: "Group name", required: true }]}
            create={(v) => unwrap(api.inbox.POST("/v1/tag-groups", { body: { teamspace_id: ts, name: str(v["name"]) } }))}
            remove={(id) => unwrap(api.inbox.DELETE("/v1/tag-groups/{group_id}", { params: { path: { group_id: id } } }))}
            after={refreshCatalog}
          />
          <TagList teamspaceId={ts} />
        </>
      );
    case "fields":
      return (
        <CrudList
          title="Custom fields"
          columns={["Name", "Key", "Type", "Options"]}
          load={useCallback(
            async () =>
              (await allPages((p) => unwrap(api.inbox.GET("/v1/custom-fields", { params: { query: { ...q, page: p } } })))).map((f) => ({
                id: f.id,
                cells: [f.name, f.key, f.type, (f.options ?? []).join(", ") || "—"],
              })),
            [ts],
          )}
          fields={[
            { name: "name", label: "Field name", required: true },
            { name: "key", label: "Key", required: true, placeholder: "plan" },
            {
              name: "type",
              label: "Type",
              type: "select",
              required: true,
              options: ["text", "number", "toggle", "dropdown", "date"].map((t) => ({ value: t, label: t })),
            },
            { name: "options", label: "Dropdown options (comma-separated)" },
            { name: "description", label: "Field description" },
          ]}
          create={(v) =>
            unwrap(
              api.inbox.POST("/v1/custom-fields", {
                body: {
                  teamspace_id: ts,
                  name: str(v["name"]),
                  key: str(v["key"]),
                  type: str(v["type"]) as "text",
                  description: str(v["description"]),
                  options: str(v["options"]).split(",").map((o) => o.trim()).filter(Boolean),
                },
              }),
            )
          }
          remove={(id) => unwrap(api.inbox.DELETE("/v1/custom-fields/{field_id}", { params: { path: { field_id: id } } }))}
          after={refreshCatalog}
        />
      );
    case "canned":
      return (
        <CrudList
          title="Canned replies"
          columns={["Shortcut", "Title", "Body"]}
          load={useCallback(
            async () =>
              (await allPages((p) => unwrap(api.inbox.GET("/v1/canned-replies", { params: { query: { ...q, page: p } } })))).map((r) => ({
                id: r.id,
                cells: [`/${r.shortcut}`, r.title, r.body],
              })),
            [ts],
          )}
          fields={[
            { name: "shortcut", label: "Shortcut", required: true, placeholder: "thanks" },
            { name: "title", label: "Title", required: true },
            { name: "body", label: "Body", type: "textarea", required: true, placeholder: "Thanks {{person.name}}!" },
          ]}
          create={(v) =>
            unwrap(api.inbox.POST("/v1/canned-replies", { body: { teamspace_id: ts, shortcut: str(v["shortcut"]), title: str(v["title"]), body: str(v["body"]) } }))
          }
          remove={(id) => unwrap(api.inbox.DELETE("/v1/canned-replies/{reply_id}", { params: { path: { reply_id: id } } }))}
          after={refreshCatalog}
        />
      );
    case "aliases":
      return (
        <CrudList
          title="Aliases"
          columns={["Name", "Avatar"]}
          load={useCallback(
            async () =>
              (await allPages((p) => unwrap(api.inbox.GET("/v1/aliases", { params: { query: { ...q, page: p } } })))).map((a) => ({
                id: a.id,
                cells: [a.name, a.avatar_url ?? "—"],
              })),
            [ts],
          )}
          fields={[
            { name: "name", label: "Alias name", required: true },
            { name: "avatar_url", label: "Avatar URL" },
          ]}
          create={(v) => unwrap(api.inbox.POST("/v1/aliases", { body: { teamspace_id: ts, name: str(v["name"]), avatar_url: str(v["avatar_url"]) || null } }))}
          remove={(id) => unwrap(api.inbox.DELETE("/v1/aliases/{alias_id}", { params: { path: { alias_id: id } } }))}
          after={refreshCatalog}
        />
      );
    case "bans":
      return (
        <>
          <CrudList
            title="Ban reasons"
            columns={["Reason"]}
            load={useCallback(
              async () => (await allPages((p) => unwrap(api.inbox.GET("/v1/ban-reasons", { params: { query: { ...q, page: p } } })))).map((r) => ({ id: r.id, cells: [r.name] })),
              [ts],
            )}
            fields={[{ name: "name", label: "Reason", required: true }]}
            create={(v) => unwrap(api.inbox.POST("/v1/ban-reasons", { body: { teamspace_id: ts, name: str(v["name"]) } }))}
            remove={(id) => unwrap(api.inbox.DELETE("/v1/ban-reasons/{reason_id}", { params: { path: { reason_id: id } } }))}
            after={refreshCatalog}
          />
          <CrudList
            title="Ban rules"
            columns={["From offence", "Length (minutes)"]}
            load={useCallback(
              async () =>
                (await allPages((p) => unwrap(api.inbox.GET("/v1/ban-rules", { params: { query: { ...q, page: p } } })))).map((r) => ({
                  id: r.id,
                  cells: [String(r.offences), r.length_minutes === null ? "permanent" : String(r.length_minutes)],
                })),
              [ts],
            )}
            fields={[
              { name: "offences", label: "From offence number", type: "number", required: true },
              { name: "length_minutes", label: "Length in minutes (empty: permanent)", type: "number" },
            ]}
            create={(v) =>
              unwrap(
                api.inbox.POST("/v1/ban-rules", {
                  body: { teamspace_id: ts, offences: Number(v["offences"]), length_minutes: str(v["length_minutes"]) ? Number(v["length_minutes"]) : null },
                }),
              )
            }
            remove={(id) => unwrap(api.inbox.DELETE("/v1/ban-rules/{rule_id}", { params: { path: { rule_id: id } } }))}
          />
        </>
      );
    case "apps":
      return <Apps teamspaceId={ts} teamOptions={teamOptions} />;
    default:
      return null;
  }
}

function TagList({ teamspaceId }: { teamspaceId: string }) {
  const { api, catalog, reloadCatalog } = useSession();
  const groups = catalog.tagGroups.filter((g) => g.teamspace_id === teamspaceId);
  const groupName = (id: string | null | undefined) => groups.find((g) => g.id === id)?.name ?? "—";
  return (
    <CrudList
      title="Tags"
      columns={["Name", "Group", "Colour"]}
      load={useCallback(
        async () =>
          (await allPages((p) => unwrap(api.inbox.GET("/v1/tags", { params: { query: { ...page, teamspace_id: teamspaceId, page: p } } })))).map((t) => ({
            id: t.id,
            cells: [t.name, groupName(t.group_id), t.colour ?? "—"],
          })),
        [teamspaceId, catalog.tagGroups],
      )}
      fields={[
        { name: "name", label: "Tag name", required: true },
        { name: "group_id", label: "Tag group", type: "select", options: groups.map((g) => ({ value: g.id, label: g.name })) },
        { name: "colour", label: "Colour (#rrggbb)", placeholder: "#336699" },
      ]}
      create={(v) =>
        unwrap(
          api.inbox.POST("/v1/tags", {
            body: { teamspace_id: teamspaceId, name: str(v["name"]), group_id: str(v["group_id"]) || null, colour: str(v["colour"]) || null },
          }),
        )
      }
      remove={(id) => unwrap(api.inbox.DELETE("/v1/tags/{tag_id}", { params: { path: { tag_id: id } } }))}
      after={() => void reloadCatalog()}
    />
  );
}

function Apps({ teamspaceId, teamOptions }: { teamspaceId: string; teamOptions: { value: string; label: string }[] }) {
  const { api } = useSession();
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <>
      <CrudList
        title="Channel apps"
        columns={["Name", "Channel", "ID", "Credentials"]}
        load={useCallback(
          async () =>
            (await allPages((p) => unwrap(api.ingest.GET("/v1/apps", { params: { query: { ...page, page: p } } }))))
              .filter((a) => a.teamspace_id === teamspaceId)
              .map((a) => ({ id: a.id, cells: [a.name, a.channel, a.id, a.credentials.join(", ") || "—"] })),
          [teamspaceId],
        )}
        fields={[
          { name: "name", label: "App name", required: true },
          {
            name: "channel",
            label: "Channel",
            type: "select",
            required: true,
            options: ["webchat", "api", "whatsapp", "messenger", "telegram"].map((c) => ({ value: c, label: c })),
          },
          { name: "team_ids", label: "App teams", type: "multiselect", options: teamOptions },
          { name: "credentials", label: "Credentials (JSON, for WhatsApp/Messenger/Telegram)", type: "textarea", placeholder: '{"bot_token": "...", "secret_token": "..."}' },
        ]}
        create={(v) => {
          const raw = str(v["credentials"]).trim();
          const credentials = raw ? (JSON.parse(raw) as Record<string, string>) : {};
          return unwrap(
            api.ingest.POST("/v1/apps", {
              body: { teamspace_id: teamspaceId, name: str(v["name"]), channel: str(v["channel"]) as "webchat", team_ids: list(v["team_ids"]), credentials },
            }),
          );
        }}
        after={(created) => {
          const c = created as { api_key?: string | null; identity_secret?: string | null };
          setSecret(c.api_key ? `API key (shown once): ${c.api_key}` : c.identity_secret ? `Identity secret (shown once): ${c.identity_secret}` : null);
        }}
      />
      {secret && (
        <p className="warning" role="status">
          {secret}
        </p>
      )}
    </>
  );
}

function AssignmentSettings({ teamspaceId }: { teamspaceId: string }) {
  const { api } = useSession();
  const [form, setForm] = useState<Record<string, string | boolean> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const id = useId();
  useEffect(() => {
    unwrap(api.assignment.GET("/v1/teamspaces/{teamspace_id}/assignment", { params: { path: { teamspace_id: teamspaceId } } }))
      .then((s) =>
        setForm({
          method: s.method ?? "balanced",
          max_auto_chats: String(s.max_auto_chats ?? 5),
          availability_check: s.availability_check ?? true,
          away_grace_seconds: String(s.away_grace_seconds ?? 300),
          overdue_after_seconds: String(s.overdue_after_seconds ?? 0),
          min_tags_to_resolve: String(s.min_tags_to_resolve ?? 0),
        }),
      )
      .catch((e: unknown) => setError(errorText(e)));
  }, [api, teamspaceId]);
  if (!form) return error ? <p className="error">{error}</p> : <p role="status">Loading…</p>;
  const num = (k: string) => Number(form[k]);
  const set = (k: string, v: string | boolean) => setForm({ ...form, [k]: v });
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      await unwrap(
        api.assignment.PUT("/v1/teamspaces/{teamspace_id}/assignment", {
          params: { path: { teamspace_id: teamspaceId } },
          body: {
            method: form!["method"] as "balanced",
            max_auto_chats: num("max_auto_chats"),
            availability_check: form!["availability_check"] === true,
            away_grace_seconds: num("away_grace_seconds"),
            overdue_after_seconds: num("overdue_after_seconds"),
            min_tags_to_resolve: num("min_tags_to_resolve"),
          },
        }),
      );
      setStatus("Assignment settings saved.");
    } catch (err) {
      setError(errorText(err));
    }
  }
  const numberField = (k: string, label: string) => (
    <div className="field">
      <label htmlFor={`${id}-${k}`}>{label}</label>
      <input id={`${id}-${k}`} type="number" min={0} value={String(form[k])} onChange={(e) => set(k, e.target.value)} />
    </div>
  );
  return (
    <form onSubmit={submit} className="card">
      <div className="field">
        <label htmlFor={`${id}-method`}>Assignment method</label>
        <select id={`${id}-method`} value={String(form["method"])} onChange={(e) => set("method", e.target.value)}>
          <option value="balanced">Balanced</option>
          <option value="round_robin">Round robin</option>
          <option value="random">Random</option>
          <option value="voluntary">Voluntary (agents claim from the queue)</option>
        </select>
      </div>
      {numberField("max_auto_chats", "Maximum auto-assigned chats per agent")}
      <div className="field">
        <label className="check">
          <input type="checkbox" checked={form["availability_check"] === true} onChange={(e) => set("availability_check", e.target.checked)} /> Only
          online agents (availability check)
        </label>
      </div>
      {numberField("away_grace_seconds", "Requeue after away/offline for (seconds)")}
      {numberField("overdue_after_seconds", "Overdue after (seconds without an answer; 0: never)")}
      {numberField("min_tags_to_resolve", "Tags required to resolve")}
      <button type="submit" className="primary">
        Save assignment settings
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {status && (
        <p className="info" role="status">
          {status}
        </p>
      )}
    </form>
  );
}
