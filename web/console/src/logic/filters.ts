/**
 * The chat table's filters: their state, their query string (`GET /inbox/v1/chats`, the export's
 * filters) and, for live updates, whether a chat matches them on the client.
 *
 * Every filter is a list of values (OR within a filter, AND across filters, as the API does); the
 * value `none` matches chats where the field has no value.
 */
import type { Chat, ExportFilters } from "../api/types";
import type { paths } from "../api/generated/inbox";

export const NONE = "none";
/** The query parameters of `GET /v1/chats` as the inbox's OpenAPI document declares them. */
export type ChatQuery = NonNullable<paths["/v1/chats"]["get"]["parameters"]["query"]>;
export type ChatSort = NonNullable<ChatQuery["sort"]>;
export type StatusValue = NonNullable<ChatQuery["status"]>[number];
export type ModeValue = NonNullable<ChatQuery["mode"]>[number];
export type CsatValue = NonNullable<ChatQuery["csat"]>[number];

export const STATUS_VALUES: readonly StatusValue[] = ["open", "pending", "overdue", "resolved", "closed", NONE];
export const MODE_VALUES: readonly ModeValue[] = ["ai", "live", NONE];
export const CSAT_VALUES: readonly CsatValue[] = ["1", "2", "3", "4", "5", NONE];
export const SORTS: readonly { value: ChatSort; label: string }[] = [
  { value: "-created_at", label: "Newest first" },
  { value: "created_at", label: "Oldest first" },
  { value: "-updated_at", label: "Recently updated" },
  { value: "updated_at", label: "Least recently updated" },
  { value: "-last_message_at", label: "Latest message" },
  { value: "last_message_at", label: "Waiting longest" },
];
export const PAGE_SIZES = [10, 25, 50, 100, 200] as const;
export const DEFAULT_SORT: ChatSort = "-created_at";
export const DEFAULT_PAGE_SIZE = 50;

export interface Filters {
  q: string;
  status: StatusValue[];
  mode: ModeValue[];
  tag: string[];
  tagGroup: string[];
  agent: string[];
  team: string[];
  csat: CsatValue[];
  /** `YYYY-MM-DD` (or an ISO time); "" when not set. */
  createdFrom: string;
  createdTo: string;
  /** custom field key → accepted values (`none`: the field is not set). */
  cf: Record<string, string[]>;
}

export interface TableQuery {
  filters: Filters;
  sort: ChatSort;
  page: number;
  pageSize: number;
}

export function emptyFilters(): Filters {
  return {
    q: "",
    status: [],
    mode: [],
    tag: [],
    tagGroup: [],
    agent: [],
    team: [],
    csat: [],
    createdFrom: "",
    createdTo: "",
    cf: {},
  };
}

export function defaultQuery(): TableQuery {
  return { filters: emptyFilters(), sort: DEFAULT_SORT, page: 1, pageSize: DEFAULT_PAGE_SIZE };
}

const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

/** The typed query of `GET /v1/chats` (without custom fields, which the document cannot name). */
export function toChatQuery(query: TableQuery): ChatQuery {
  const f = query.filters;
  const out: ChatQuery = { sort: query.sort, page: query.page, page_size: query.pageSize };
  const q = f.q.trim();
  if (q) out.q = q;
  if (f.status.length) out.status = unique(f.status);
  if (f.mode.length) out.mode = unique(f.mode);
  if (f.tag.length) out.tag = unique(f.tag);
  if (f.tagGroup.length) out.tag_group = unique(f.tagGroup);
  if (f.agent.length) out.agent = unique(f.agent);
  if (f.team.length) out.team = unique(f.team);
  if (f.csat.length) out.csat = unique(f.csat);
  if (f.createdFrom) out.created_from = [f.createdFrom];
  if (f.createdTo) out.created_to = [f.createdTo];
  return out;
}

/** The query string (no leading `?`): each value of a filter as its own parameter
 * (`status=open&status=none`), custom fields as `cf.<key>=<value>`. */
export function toSearchParams(query: TableQuery): URLSearchParams {
  const params = new URLSearchParams();
  const typed = toChatQuery(query);
  const order: (keyof ChatQuery)[] = [
    "q",
    "status",
    "mode",
    "tag",
    "tag_group",
    "agent",
    "team",
    "csat",
    "created_from",
    "created_to",
  ];
  for (const key of order) {
    const value = typed[key];
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  for (const key of Object.keys(query.filters.cf).sort()) {
    for (const value of unique(query.filters.cf[key] ?? [])) params.append(`cf.${key}`, value);
  }
  if (query.sort !== DEFAULT_SORT) params.set("sort", query.sort);
  if (query.page !== 1) params.set("page", String(query.page));
  if (query.pageSize !== DEFAULT_PAGE_SIZE) params.set("page_size", String(query.pageSize));
  return params;
}

export function toQueryString(query: TableQuery): string {
  return toSearchParams(query).toString();
}

const isOneOf = <T extends string>(allowed: readonly T[], value: string): value is T =>
  (allowed as readonly string[]).includes(value);

/** The table query back from a query string (the console keeps it in its URL); unknown or bad
 * values are dropped, never thrown. */
export function fromQueryString(search: string): TableQuery {
  const params = new URLSearchParams(search.startsWith("?") ? search.slice(1) : search);
  const query = defaultQuery();
  const f = query.filters;
  f.q = params.get("q") ?? "";
  f.status = params.getAll("status").filter((v) => isOneOf(STATUS_VALUES, v));
  f.mode = params.getAll("mode").filter((v) => isOneOf(MODE_VALUES, v));
  f.csat = params.getAll("csat").filter((v) => isOneOf(CSAT_VALUES, v));
  f.tag = params.getAll("tag").filter(Boolean);
  f.tagGroup = params.getAll("tag_group").filter(Boolean);
  f.agent = params.getAll("agent").filter(Boolean);
  f.team = params.getAll("team").filter(Boolean);
  f.createdFrom = params.get("created_from") ?? "";
  f.createdTo = params.get("created_to") ?? "";
  for (const [key, value] of params) {
    if (key.startsWith("cf.") && key.length > 3 && value) {
      (f.cf[key.slice(3)] ??= []).push(value);
    }
  }
  const sort = params.get("sort") ?? DEFAULT_SORT;
  query.sort = isOneOf(SORTS.map((s) => s.value), sort) ? sort : DEFAULT_SORT;
  const page = Number(params.get("page") ?? "1");
  query.page = Number.isInteger(page) && page >= 1 ? page : 1;
  const size = Number(params.get("page_size") ?? String(DEFAULT_PAGE_SIZE));
  query.pageSize = Number.isInteger(size) && size >= 1 && size <= 200 ? size : DEFAULT_PAGE_SIZE;
  return query;
}

/** How many filters are set (for a "Clear filters (n)" button). */
export function activeFilterCount(f: Filters): number {
  const lists = [f.status, f.mode, f.tag, f.tagGroup, f.agent, f.team, f.csat, ...Object.values(f.cf)];
  return (
    lists.filter((l) => l.length > 0).length +
    (f.q.trim() ? 1 : 0) +
    (f.createdFrom ? 1 : 0) +
    (f.createdTo ? 1 : 0)
  );
}

/** The export service's filters for the same table query (`POST /export/v1/exports`). */
export function toExportFilters(f: Filters): ExportFilters {
  const cf: ExportFilters["cf"] = {};
  for (const [key, values] of Object.entries(f.cf)) if (values.length) cf[key] = unique(values);
  return {
    q: f.q.trim() || null,
    status: unique(f.status),
    mode: unique(f.mode),
    tag: unique(f.tag),
    tag_group: unique(f.tagGroup),
    agent: unique(f.agent),
    team: unique(f.team),
    csat: unique(f.csat).map((v) => (v === NONE ? NONE : Number(v))),
    created_from: f.createdFrom ? toIsoStart(f.createdFrom, false) : null,
    created_to: f.createdTo ? toIsoStart(f.createdTo, true) : null,
    cf,
  };
}

/** A `YYYY-MM-DD` day as an ISO time in UTC (the day's start, or the next day's start for an end). */
function toIsoStart(value: string, end: boolean): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const day = new Date(`${value}T00:00:00Z`);
  if (end) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString();
}

/**
 * Whether a chat (from a live frame) matches the filters, as far as the client can tell: `null`
 * when it cannot (a keyword search; a tag group without the tag → group map), so the caller keeps
 * what the server said.
 */
export function matchesFilters(
  chat: Chat,
  f: Filters,
  tagGroupOf: (tagId: string) => string | null | undefined = () => undefined,
): boolean | null {
  const anyOf = <T>(wanted: readonly T[], test: (value: T) => boolean) =>
    wanted.length === 0 || wanted.some(test);
  const tags = chat.tags ?? [];
  const teams = chat.team_ids ?? [];
  const score = chat.rating && typeof chat.rating["score"] === "number" ? String(chat.rating["score"]) : null;
  const checks = [
    anyOf(f.status, (s) => s === chat.status),
    anyOf(f.mode, (m) => m === chat.mode),
    anyOf(f.tag, (t) => (t === NONE ? tags.length === 0 : tags.includes(t))),
    anyOf(f.agent, (a) => (a === NONE ? !chat.assignee_id : a === chat.assignee_id)),
    anyOf(f.team, (t) => (t === NONE ? teams.length === 0 : teams.includes(t))),
    anyOf(f.csat, (c) => (c === NONE ? score === null : c === score)),
    !f.createdFrom || Date.parse(chat.created_at) >= Date.parse(toIsoStart(f.createdFrom, false)),
    !f.createdTo || Date.parse(chat.created_at) < Date.parse(toIsoStart(f.createdTo, true)),
    ...Object.entries(f.cf).map(([key, values]) =>
      anyOf(values, (v) => {
        const actual = chat.custom_fields?.[key];
        return v === NONE ? actual === undefined || actual === null || actual === "" : String(actual) === v;
      }),
    ),
  ];
  if (checks.includes(false)) return false;
  if (f.q.trim()) return null;
  if (f.tagGroup.length) {
    const groups = tags.map(tagGroupOf);
    if (groups.includes(undefined)) return null;
    const ok = f.tagGroup.some((g) => (g === NONE ? groups.every((x) => !x) : groups.includes(g)));
    return ok;
  }
  return true;
}
