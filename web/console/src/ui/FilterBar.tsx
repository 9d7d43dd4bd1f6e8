import { useEffect, useId, useState, type FormEvent } from "react";
import {
  activeFilterCount,
  CSAT_VALUES,
  emptyFilters,
  MODE_VALUES,
  NONE,
  STATUS_VALUES,
  type Filters,
} from "../logic/filters";
import { useSession } from "./session";

interface Option {
  value: string;
  label: string;
}

const titleCase = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const withNone = (options: Option[]): Option[] => [...options, { value: NONE, label: "None" }];

/** A filter with several values: a disclosure with a group of checkboxes (the last one "None"). */
function MultiFilter({
  label,
  options,
  selected,
  onChange,
}: {
  label: string;
  options: Option[];
  selected: readonly string[];
  onChange: (values: string[]) => void;
}) {
  const names = options.filter((o) => selected.includes(o.value)).map((o) => o.label);
  return (
    <details className="multi-filter">
      <summary aria-label={`${label} filter${names.length ? `: ${names.join(", ")}` : ""}`}>
        {label}
        {names.length > 0 && <span className="badge">{names.length > 2 ? `${names.length}` : names.join(", ")}</span>}
      </summary>
      <fieldset>
        <legend>{label}</legend>
        {options.length === 1 && <p className="muted">Nothing to choose yet.</p>}
        {options.map((o) => (
          <label key={o.value} className="check">
            <input
              type="checkbox"
              checked={selected.includes(o.value)}
              onChange={(e) =>
                onChange(e.target.checked ? [...selected, o.value] : selected.filter((v) => v !== o.value))
              }
            />
            {o.label}
          </label>
        ))}
      </fieldset>
    </details>
  );
}

export function FilterBar({ filters, onChange }: { filters: Filters; onChange: (filters: Filters) => void }) {
  const { directory, catalog } = useSession();
  const [q, setQ] = useState(filters.q);
  const id = useId();
  useEffect(() => setQ(filters.q), [filters.q]);

  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => onChange({ ...filters, [key]: value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    set("q", q);
  };

  const fieldOptions = (type: string, options: readonly string[]): Option[] | null => {
    if (type === "dropdown") return withNone(options.map((o) => ({ value: o, label: o })));
    if (type === "toggle") return withNone([{ value: "true", label: "Yes" }, { value: "false", label: "No" }]);
    return null;
  };

  return (
    <section className="filters" aria-label="Filters">
      <form role="search" onSubmit={submit} className="search">
        <label htmlFor={`${id}-q`}>Search chats</label>
        <input
          id={`${id}-q`}
          type="search"
          value={q}
          placeholder="Message text, person, description or chat ID"
          onChange={(e) => setQ(e.target.value)}
          maxLength={200}
        />
        <button type="submit">Search</button>
      </form>
      <div className="filter-row">
        <MultiFilter
          label="Status"
          options={STATUS_VALUES.map((v) => ({ value: v, label: v === NONE ? "None" : titleCase(v) }))}
          selected={filters.status}
          onChange={(v) => set("status", v as Filters["status"])}
        />
        <MultiFilter
          label="Mode"
          options={MODE_VALUES.map((v) => ({ value: v, label: v === NONE ? "None" : v === "ai" ? "AI chat" : "Livechat" }))}
          selected={filters.mode}
          onChange={(v) => set("mode", v as Filters["mode"])}
        />
        <MultiFilter
          label="Tag"
          options={withNone(catalog.tags.map((t) => ({ value: t.id, label: t.name })))}
          selected={filters.tag}
          onChange={(v) => set("tag", v)}
        />
        <MultiFilter
          label="Tag group"
          options={withNone(catalog.tagGroups.map((g) => ({ value: g.id, label: g.name })))}
          selected={filters.tagGroup}
          onChange={(v) => set("tagGroup", v)}
        />
        <MultiFilter
          label="Agent"
          options={withNone(directory.users.map((u) => ({ value: u.id, label: u.name })))}
          selected={filters.agent}
          onChange={(v) => set("agent", v)}
        />
        <MultiFilter
          label="Team"
          options={withNone(directory.teams.map((t) => ({ value: t.id, label: t.name })))}
          selected={filters.team}
          onChange={(v) => set("team", v)}
        />
        <MultiFilter
          label="CSAT"
          options={CSAT_VALUES.map((v) => ({ value: v, label: v === NONE ? "None" : `${v} ★` }))}
          selected={filters.csat}
          onChange={(v) => set("csat", v as Filters["csat"])}
        />
        <details className="multi-filter">
          <summary aria-label={`Created filter${filters.createdFrom || filters.createdTo ? ": set" : ""}`}>
            Created{(filters.createdFrom || filters.createdTo) && <span className="badge">set</span>}
          </summary>
          <fieldset>
            <legend>Created</legend>
            <label>
              Created from
              <input type="date" value={filters.createdFrom} onChange={(e) => set("createdFrom", e.target.value)} />
            </label>
            <label>
              Created to
              <input type="date" value={filters.createdTo} onChange={(e) => set("createdTo", e.target.value)} />
            </label>
          </fieldset>
        </details>
        {catalog.fields.map((field) => {
          const selected = filters.cf[field.key] ?? [];
          const setField = (values: string[]) => {
            const cf = { ...filters.cf };
            if (values.length) cf[field.key] = values;
            else delete cf[field.key];
            set("cf", cf);
          };
          const options = fieldOptions(field.type, field.options ?? []);
          if (options) {
            return <MultiFilter key={field.id} label={field.name} options={options} selected={selected} onChange={setField} />;
          }
          return <TextFieldFilter key={field.id} label={field.name} selected={selected} onChange={setField} />;
        })}
        <button
          type="button"
          onClick={() => onChange(emptyFilters())}
          disabled={activeFilterCount(filters) === 0}
        >
          Clear filters{activeFilterCount(filters) ? ` (${activeFilterCount(filters)})` : ""}
        </button>
      </div>
    </section>
  );
}

/** A custom field of type text, number or date: one value typed in, or None. */
function TextFieldFilter({ label, selected, onChange }: { label: string; selected: readonly string[]; onChange: (v: string[]) => void }) {
  const value = selected.find((v) => v !== NONE) ?? "";
  const none = selected.includes(NONE);
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const id = useId();
  const apply = (text: string, withNone: boolean) => onChange([...(text ? [text] : []), ...(withNone ? [NONE] : [])]);
  return (
    <details className="multi-filter">
      <summary aria-label={`${label} filter${selected.length ? `: ${selected.join(", ")}` : ""}`}>
        {label}
        {selected.length > 0 && <span className="badge">{selected.join(", ")}</span>}
      </summary>
      <fieldset>
        <legend>{label}</legend>
        <label htmlFor={`${id}-v`}>{label} value</label>
        <input
          id={`${id}-v`}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={() => apply(draft.trim(), none)}
          onKeyDown={(e) => e.key === "Enter" && apply(draft.trim(), none)}
        />
        <label className="check">
          <input type="checkbox" checked={none} onChange={(e) => apply(draft.trim(), e.target.checked)} />
          None
        </label>
      </fieldset>
    </details>
  );
}
