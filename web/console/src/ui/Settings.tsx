/**
 * Settings pages (the `settings` permission; users, teams and channel apps: admins): each section
 * lists what exists, offers a form to add, and per row an inline "Edit" form (only the changed fields
 * are sent, as a PATCH) and Delete where the API allows — all over the public API, through one small
 * generic list component; the forms' logic is in logic/settingsForm.ts.
 */
import { Fragment, useCallback, useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { allPages, unwrap } from "../api/client";
import type {
  AliasCreate,
  AliasUpdate,
  BanReasonCreate,
  BanReasonUpdate,
  BanRuleCreate,
  BanRuleUpdate,
  CannedReplyCreate,
  CannedReplyUpdate,
  CustomFieldCreate,
  CustomFieldUpdate,
  TagCreate,
  TagGroupCreate,
  TagGroupUpdate,
  TagUpdate,
  TeamCreate,
  Teamspace,
  TeamUpdate,
  UserCreate,
  UserUpdate,
} from "../api/types";
import { ALL_PERMISSIONS, can, isAdmin } from "../auth/permissions";
import {
  blankValues,
  bodyAs,
  createBody,
  errorView,
  formValuesOf,
  patchBody,
  type ErrorView,
  type FieldSpec,
  type FormValue,
  type FormValues,
} from "../logic/settingsForm";
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

interface Row {
  id: string;
  cells: ReactNode[];
  /** The stored object, whose fields fill the row's "Edit" form. */
  stored?: Record<string, unknown>;
}

interface EditSpec {
  /** The fields the API lets change (a function when they depend on the row, e.g. a field's type). */
  fields: FieldSpec[] | ((row: Row) => FieldSpec[]);
  /** Sends the partial update: `body` holds only the changed fields, never empty. */
  save: (id: string, body: Record<string, unknown>) => Promise<unknown>;
}

/** The labelled controls of a form (add or edit), each with its error from the API next to it. */
function Fields({
  fields,
  values,
  onChange,
  idPrefix,
  errors = {},
}: {
  fields: FieldSpec[];
  values: FormValues;
  onChange: (name: string, value: FormValue) => void;
  idPrefix: string;
  errors?: Record<string, string>;
}) {
  return (
    <>
      {fields.map((f) => {
        const fid = `${idPrefix}-${f.name}`;
        const v = values[f.name] ?? "";
        const set = (x: FormValue) => onChange(f.name, x);
        const err = errors[f.name];
        const aria = err ? { "aria-invalid": true, "aria-describedby": `${fid}-error` } : {};
        return (
          <span key={f.name} className="field">
            <label htmlFor={fid}>{f.label}</label>
            {f.type === "select" ? (
              <select id={fid} value={String(v)} required={f.required} onChange={(e) => set(e.target.value)} {...aria}>
                <option value="">—</option>
                {(f.options ?? []).map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            ) : f.type === "multiselect" ? (
              <select
                id={fid}
                multiple
                value={Array.isArray(v) ? v : []}
                onChange={(e) => set(Array.from(e.target.selectedOptions, (o) => o.value))}
                {...aria}
              >
                {(f.options ?? []).map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            ) : f.type === "checkbox" ? (
              <input id={fid} type="checkbox" checked={v === true} onChange={(e) => set(e.target.checked)} {...aria} />
            ) : f.type === "textarea" ? (
              <textarea id={fid} value={String(v)} required={f.required} rows={2} onChange={(e) => set(e.target.value)} {...aria} />
            ) : (
              <input
                id={fid}
                type={f.type === "number" ? "number" : "text"}
                min={f.type === "number" ? 0 : undefined}
                value={String(v)}
                required={f.required}
                placeholder={f.placeholder}
                onChange={(e) => set(e.target.value)}
                {...aria}
              />
            )}
            {err && (
              <span id={`${fid}-error`} className="error field-error">
                {err}
              </span>
            )}
          </span>
        );
      })}
    </>
  );
}

/** An API error next to its form: the message and the machine-readable code. */
function ErrorMessage({ error }: { error: ErrorView | null }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error.message}
      {error.code && <span className="muted"> ({error.code})</span>}
    </p>
  );
}

/**
 * The inline "Edit" form of one row: labelled inputs filled from the stored object, Save sends only
 * what changed, Cancel (or Escape) closes it; the API's error stays next to the form.
 */
function InlineEdit({
  name,
  fields,
  initial,
  save,
  onSaved,
  onCancel,
}: {
  name: string;
  fields: FieldSpec[];
  initial: FormValues;
  save: (body: Record<string, unknown>) => Promise<unknown>;
  onSaved: (changed: boolean) => void;
  onCancel: () => void;
}) {
  const [values, setValues] = useState<FormValues>(initial);
  const [error, setError] = useState<ErrorView | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>("input, select, textarea")?.focus();
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = patchBody(fields, initial, values);
    if (Object.keys(body).length === 0) return onSaved(false);
    setError(null);
    setBusy(true);
    try {
      await save(body);
      onSaved(true);
    } catch (err) {
      setError(errorView(err, fields.map((f) => f.name)));
      setBusy(false);
    }
  }
  return (
    <form
      ref={formRef}
      onSubmit={submit}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          onCancel();
        }
      }}
      className="inline-form inline-edit"
      aria-label={`Edit ${name}`}
      aria-busy={busy}
    >
      <Fields fields={fields} values={values} onChange={(k, v) => setValues((all) => ({ ...all, [k]: v }))} idPrefix={id} errors={error?.fields} />
      <button type="submit" className="primary" disabled={busy}>
        Save
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      <ErrorMessage error={error} />
    </form>
  );
}

/** A table of what exists, an "Add" form, and Edit / Delete buttons when `edit` / `remove` are given. */
function CrudList({
  title,
  columns,
  load,
  fields,
  create,
  edit,
  remove,
  after,
}: {
  title: string;
  columns: string[];
  load: () => Promise<Row[]>;
  fields: FieldSpec[];
  create: (values: FormValues) => Promise<unknown>;
  edit?: EditSpec;
  remove?: (id: string) => Promise<unknown>;
  after?: (created: unknown) => void;
}) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<ErrorView | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [values, setValues] = useState<FormValues>(() => blankValues(fields));
  const [editing, setEditing] = useState<string | null>(null);
  const id = useId();
  const names = fields.map((f) => f.name);
  const reload = useCallback(() => {
    load()
      .then(setRows)
      .catch((e: unknown) => setError(errorView(e)));
  }, [load]);
  useEffect(reload, [reload]);
  const editButtonId = (rowId: string) => `${id}-edit-${rowId}`;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const created = await create(values);
      setValues(blankValues(fields));
      setStatus(`${title}: added.`);
      after?.(created);
      reload();
    } catch (err) {
      setError(errorView(err, names));
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
      setError(errorView(err));
    }
  }
  function closeEdit(rowId: string) {
    setEditing(null);
    // Back to the row's Edit button, so the keyboard user stays where they were.
    requestAnimationFrame(() => document.getElementById(editButtonId(rowId))?.focus());
  }
  const actions = Boolean(remove || edit);

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
            {actions && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {(rows ?? []).map((r) => {
            const name = String(r.cells[0]);
            const editFields = edit ? (typeof edit.fields === "function" ? edit.fields(r) : edit.fields) : [];
            return (
              <Fragment key={r.id}>
                <tr>
                  {r.cells.map((c, i) => (
                    <td key={i}>{c}</td>
                  ))}
                  {actions && (
                    <td className="row-actions">
                      {edit && (
                        <button
                          type="button"
                          id={editButtonId(r.id)}
                          aria-label={`Edit ${name}`}
                          aria-expanded={editing === r.id}
                          onClick={() => setEditing(editing === r.id ? null : r.id)}
                        >
                          Edit
                        </button>
                      )}
                      {remove && (
                        <button type="button" className="danger" aria-label={`Delete ${name}`} onClick={() => void del(r.id)}>
                          Delete
                        </button>
                      )}
                    </td>
                  )}
                </tr>
                {edit && editing === r.id && (
                  <tr className="edit-row">
                    <td colSpan={columns.length + 1}>
                      <InlineEdit
                        name={name}
                        fields={editFields}
                        initial={formValuesOf(editFields, r.stored ?? {})}
                        save={(body) => edit.save(r.id, body)}
                        onCancel={() => closeEdit(r.id)}
                        onSaved={(changed) => {
                          closeEdit(r.id);
                          setStatus(changed ? `${title}: ${name} saved.` : `${title}: no changes.`);
                          if (changed) {
                            after?.(undefined);
                            reload();
                          }
                        }}
                      />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
      {rows?.length === 0 && <p className="empty">None yet.</p>}
      <form onSubmit={submit} className="inline-form" aria-label={`Add ${title.toLowerCase()}`}>
        <Fields fields={fields} values={values} onChange={(k, v) => setValues((all) => ({ ...all, [k]: v }))} idPrefix={id} errors={error?.fields} />
        <button type="submit">Add</button>
      </form>
      <ErrorMessage error={error} />
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
const roleOptions = [
  { value: "agent", label: "Agent" },
  { value: "supervisor", label: "Supervisor" },
  { value: "admin", label: "Admin" },
];
const page = { page_size: 200 };
/** A stored object as the row's edit values (generated schema types are plain object types). */
const stored = (o: object) => o as Record<string, unknown>;

const teamFields: FieldSpec[] = [
  { name: "name", label: "Team name", required: true },
  { name: "grants", label: "Team grants", type: "multiselect", options: permissionOptions },
];
const tagGroupFields: FieldSpec[] = [{ name: "name", label: "Group name", required: true }];
const cannedFields: FieldSpec[] = [
  { name: "shortcut", label: "Shortcut", required: true, placeholder: "thanks" },
  { name: "title", label: "Title", required: true },
  { name: "body", label: "Body", type: "textarea", required: true, placeholder: "Thanks {{person.name}}!" },
];
const aliasFields: FieldSpec[] = [
  { name: "name", label: "Alias name", required: true },
  { name: "avatar_url", label: "Avatar URL", nullable: true },
];
const banReasonFields: FieldSpec[] = [{ name: "name", label: "Reason", required: true }];
const banRuleFields: FieldSpec[] = [
  { name: "offences", label: "From offence number", type: "number", required: true },
  { name: "length_minutes", label: "Length in minutes (empty: permanent)", type: "number", nullable: true },
];
const fieldNameFields: FieldSpec[] = [
  { name: "name", label: "Field name", required: true },
  { name: "description", label: "Field description" },
];
const fieldOptionsField: FieldSpec = { name: "options", label: "Dropdown options (comma-separated)", type: "list" };

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
                .map((t) => ({ id: t.id, cells: [t.name, (t.grants ?? []).join(", ") || "—", t.id], stored: stored(t) })),
            [ts],
          )}
          fields={teamFields}
          create={(v) => unwrap(api.assignment.POST("/v1/teams", { body: bodyAs<TeamCreate>({ teamspace_id: ts, ...createBody(teamFields, v) }) }))}
          edit={{
            fields: teamFields,
            save: (id, body) => unwrap(api.assignment.PATCH("/v1/teams/{team_id}", { params: { path: { team_id: id } }, body: bodyAs<TeamUpdate>(body) })),
          }}
          after={refreshDirectory}
        />
      );
    case "users": {
      const allTeams = directory.teams.map((t) => ({ value: t.id, label: t.name }));
      const userFields: FieldSpec[] = [
        { name: "name", label: "User name", required: true },
        { name: "email", label: "Email", type: "text", required: true },
        { name: "role", label: "Role", type: "select", required: true, options: roleOptions },
        { name: "team_ids", label: "User teams", type: "multiselect", options: allTeams },
        { name: "max_chats", label: "Max chats", type: "number", nullable: true },
      ];
      const userEditFields: FieldSpec[] = [
        { name: "name", label: "User name", required: true },
        { name: "role", label: "Role", type: "select", required: true, options: roleOptions },
        { name: "team_ids", label: "User teams", type: "multiselect", options: allTeams },
        { name: "grants", label: "User grants", type: "multiselect", options: permissionOptions },
        { name: "max_chats", label: "Max chats (empty: no limit)", type: "number", nullable: true },
        { name: "languages", label: "Languages (comma-separated)", type: "list" },
        { name: "active", label: "Active", type: "checkbox" },
      ];
      return (
        <CrudList
          title="Users"
          columns={["Name", "Role", "Teams", "Active"]}
          load={useCallback(
            async () =>
              (await allPages((p) => unwrap(api.assignment.GET("/v1/users", { params: { query: { ...page, page: p } } })))).map((u) => ({
                id: u.id,
                cells: [u.name, u.role, u.team_ids.map(teamName).join(", ") || "—", u.active ? "yes" : "no"],
                stored: stored(u),
              })),
            [],
          )}
          fields={userFields}
          create={(v) => unwrap(api.assignment.POST("/v1/users", { body: bodyAs<UserCreate>({ grants: [], languages: [], ...createBody(userFields, v) }) }))}
          edit={{
            fields: userEditFields,
            save: (id, body) => unwrap(api.assignment.PATCH("/v1/users/{user_id}", { params: { path: { user_id: id } }, body: bodyAs<UserUpdate>(body) })),
          }}
          after={refreshDirectory}
        />
      );
    }
    case "assignment":
      return <AssignmentSettings teamspaceId={ts} />;
    case "tags":
      return (
        <>
          <CrudList
            title="Tag groups"
            columns={["Name"]}
            load={useCallback(
              async () =>
                (await allPages((p) => unwrap(api.inbox.GET("/v1/tag-groups", { params: { query: { ...q, page: p } } })))).map((g) => ({
                  id: g.id,
                  cells: [g.name],
                  stored: stored(g),
                })),
              [ts],
            )}
            fields={tagGroupFields}
            create={(v) => unwrap(api.inbox.POST("/v1/tag-groups", { body: bodyAs<TagGroupCreate>({ teamspace_id: ts, ...createBody(tagGroupFields, v) }) }))}
            edit={{
              fields: tagGroupFields,
              save: (id, body) =>
                unwrap(api.inbox.PATCH("/v1/tag-groups/{group_id}", { params: { path: { group_id: id } }, body: bodyAs<TagGroupUpdate>(body) })),
            }}
            remove={(id) => unwrap(api.inbox.DELETE("/v1/tag-groups/{group_id}", { params: { path: { group_id: id } } }))}
            after={refreshCatalog}
          />
          <TagList teamspaceId={ts} />
        </>
      );
    case "fields": {
      const createFields: FieldSpec[] = [
        fieldNameFields[0]!,
        { name: "key", label: "Key", required: true, placeholder: "plan" },
        {
          name: "type",
          label: "Type",
          type: "select",
          required: true,
          options: ["text", "number", "toggle", "dropdown", "date"].map((t) => ({ value: t, label: t })),
        },
        fieldOptionsField,
        fieldNameFields[1]!,
      ];
      return (
        <CrudList
          title="Custom fields"
          columns={["Name", "Key", "Type", "Options"]}
          load={useCallback(
            async () =>
              (await allPages((p) => unwrap(api.inbox.GET("/v1/custom-fields", { params: { query: { ...q, page: p } } })))).map((f) => ({
                id: f.id,
                cells: [f.name, f.key, f.type, (f.options ?? []).join(", ") || "—"],
                stored: stored(f),
              })),
            [ts],
          )}
          fields={createFields}
          create={(v) => unwrap(api.inbox.POST("/v1/custom-fields", { body: bodyAs<CustomFieldCreate>({ teamspace_id: ts, ...createBody(createFields, v) }) }))}
          edit={{
            // The key, type and default are fixed once created (immutable_field); options: dropdowns only.
            fields: (row) => (row.stored?.["type"] === "dropdown" ? [...fieldNameFields, fieldOptionsField] : fieldNameFields),
            save: (id, body) =>
              unwrap(api.inbox.PATCH("/v1/custom-fields/{field_id}", { params: { path: { field_id: id } }, body: bodyAs<CustomFieldUpdate>(body) })),
          }}
          remove={(id) => unwrap(api.inbox.DELETE("/v1/custom-fields/{field_id}", { params: { path: { field_id: id } } }))}
          after={refreshCatalog}
        />
      );
    }
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
                stored: stored(r),
              })),
            [ts],
          )}
          fields={cannedFields}
          create={(v) => unwrap(api.inbox.POST("/v1/canned-replies", { body: bodyAs<CannedReplyCreate>({ teamspace_id: ts, ...createBody(cannedFields, v) }) }))}
          edit={{
            fields: cannedFields,
            save: (id, body) =>
              unwrap(api.inbox.PATCH("/v1/canned-replies/{reply_id}", { params: { path: { reply_id: id } }, body: bodyAs<CannedReplyUpdate>(body) })),
          }}
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
                stored: stored(a),
              })),
            [ts],
          )}
          fields={aliasFields}
          create={(v) => unwrap(api.inbox.POST("/v1/aliases", { body: bodyAs<AliasCreate>({ teamspace_id: ts, ...createBody(aliasFields, v) }) }))}
          edit={{
            fields: aliasFields,
            save: (id, body) => unwrap(api.inbox.PATCH("/v1/aliases/{alias_id}", { params: { path: { alias_id: id } }, body: bodyAs<AliasUpdate>(body) })),
          }}
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
              async () =>
                (await allPages((p) => unwrap(api.inbox.GET("/v1/ban-reasons", { params: { query: { ...q, page: p } } })))).map((r) => ({
                  id: r.id,
                  cells: [r.name],
                  stored: stored(r),
                })),
              [ts],
            )}
            fields={banReasonFields}
            create={(v) => unwrap(api.inbox.POST("/v1/ban-reasons", { body: bodyAs<BanReasonCreate>({ teamspace_id: ts, ...createBody(banReasonFields, v) }) }))}
            edit={{
              fields: banReasonFields,
              save: (id, body) =>
                unwrap(api.inbox.PATCH("/v1/ban-reasons/{reason_id}", { params: { path: { reason_id: id } }, body: bodyAs<BanReasonUpdate>(body) })),
            }}
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
                  stored: stored(r),
                })),
              [ts],
            )}
            fields={banRuleFields}
            create={(v) => unwrap(api.inbox.POST("/v1/ban-rules", { body: bodyAs<BanRuleCreate>({ teamspace_id: ts, ...createBody(banRuleFields, v) }) }))}
            edit={{
              fields: banRuleFields,
              save: (id, body) => unwrap(api.inbox.PATCH("/v1/ban-rules/{rule_id}", { params: { path: { rule_id: id } }, body: bodyAs<BanRuleUpdate>(body) })),
            }}
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
  const tagFields: FieldSpec[] = [
    { name: "name", label: "Tag name", required: true },
    { name: "group_id", label: "Tag group", type: "select", nullable: true, options: groups.map((g) => ({ value: g.id, label: g.name })) },
    { name: "colour", label: "Colour (#rrggbb)", placeholder: "#336699", nullable: true },
  ];
  return (
    <CrudList
      title="Tags"
      columns={["Name", "Group", "Colour"]}
      load={useCallback(
        async () =>
          (await allPages((p) => unwrap(api.inbox.GET("/v1/tags", { params: { query: { ...page, teamspace_id: teamspaceId, page: p } } })))).map((t) => ({
            id: t.id,
            cells: [t.name, groupName(t.group_id), t.colour ?? "—"],
            stored: stored(t),
          })),
        [teamspaceId, catalog.tagGroups],
      )}
      fields={tagFields}
      create={(v) => unwrap(api.inbox.POST("/v1/tags", { body: bodyAs<TagCreate>({ teamspace_id: teamspaceId, ...createBody(tagFields, v) }) }))}
      edit={{
        fields: tagFields,
        save: (id, body) => unwrap(api.inbox.PATCH("/v1/tags/{tag_id}", { params: { path: { tag_id: id } }, body: bodyAs<TagUpdate>(body) })),
      }}
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

const ASSIGNMENT_FIELDS = ["method", "max_auto_chats", "availability_check", "away_grace_seconds", "overdue_after_seconds", "min_tags_to_resolve"];

/** The teamspace's assignment settings: one form, saved whole with PUT (the API has no partial update). */
function AssignmentSettings({ teamspaceId }: { teamspaceId: string }) {
  const { api } = useSession();
  const [form, setForm] = useState<Record<string, string | boolean> | null>(null);
  const [error, setError] = useState<ErrorView | null>(null);
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
      .catch((e: unknown) => setError(errorView(e)));
  }, [api, teamspaceId]);
  if (!form) return error ? <ErrorMessage error={error} /> : <p role="status">Loading…</p>;
  const num = (k: string) => Number(form[k]);
  const set = (k: string, v: string | boolean) => setForm({ ...form, [k]: v });
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setStatus(null);
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
      setError(errorView(err, ASSIGNMENT_FIELDS));
    }
  }
  const fieldError = (k: string) =>
    error?.fields[k] ? (
      <span id={`${id}-${k}-error`} className="error field-error">
        {error.fields[k]}
      </span>
    ) : null;
  const numberField = (k: string, label: string) => (
    <div className="field">
      <label htmlFor={`${id}-${k}`}>{label}</label>
      <input
        id={`${id}-${k}`}
        type="number"
        min={0}
        value={String(form[k])}
        onChange={(e) => set(k, e.target.value)}
        aria-invalid={error?.fields[k] ? true : undefined}
        aria-describedby={error?.fields[k] ? `${id}-${k}-error` : undefined}
      />
      {fieldError(k)}
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
      <ErrorMessage error={error} />
      {status && (
        <p className="info" role="status">
          {status}
        </p>
      )}
    </form>
  );
}
