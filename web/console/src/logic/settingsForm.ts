/**
 * The settings forms' logic, free of React: a form's values from its field specs, the body of a
 * `PATCH` holding only the fields that changed (in the API's types: numbers, lists, `null` where the
 * API lets `null` clear a field), and an API error split into a message and per-field messages.
 */
import { ApiError } from "../api/client";

export type FormValue = string | boolean | string[];
export type FormValues = Record<string, FormValue>;

export interface FieldSpec {
  name: string;
  label: string;
  /** `list`: a comma-separated text sent as a list of strings. */
  type?: "text" | "number" | "select" | "checkbox" | "textarea" | "multiselect" | "list";
  options?: { value: string; label: string }[];
  required?: boolean;
  placeholder?: string;
  /** An empty value is sent as `null` (the API clears the field); otherwise it is left out. */
  nullable?: boolean;
}

/** The empty value of each field (what the "Add" forms start from). */
export function blankValues(fields: readonly FieldSpec[]): FormValues {
  return Object.fromEntries(fields.map((f) => [f.name, f.type === "checkbox" ? false : f.type === "multiselect" ? [] : ""]));
}

/** A stored value as a form value of the field's type (`null`: empty; lists joined for `list`). */
export function toFormValue(field: FieldSpec, value: unknown): FormValue {
  if (field.type === "checkbox") return value === true;
  if (field.type === "multiselect") return Array.isArray(value) ? value.map(String) : [];
  if (field.type === "list") return Array.isArray(value) ? value.map(String).join(", ") : "";
  return value === null || value === undefined ? "" : String(value);
}

/** The form values of a stored object, for the fields given. */
export function formValuesOf(fields: readonly FieldSpec[], stored: Record<string, unknown>): FormValues {
  return Object.fromEntries(fields.map((f) => [f.name, toFormValue(f, stored[f.name])]));
}

const splitList = (v: string) =>
  v
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

/** The value the API expects for a form value; `undefined`: leave the field out. */
export function toApiValue(field: FieldSpec, value: FormValue | undefined): unknown {
  switch (field.type) {
    case "checkbox":
      return value === true;
    case "multiselect":
      return Array.isArray(value) ? [...value] : [];
    case "list":
      return splitList(typeof value === "string" ? value : "");
    case "number": {
      const text = typeof value === "string" ? value.trim() : "";
      if (text === "") return field.nullable ? null : undefined;
      const n = Number(text);
      return Number.isFinite(n) ? n : undefined;
    }
    default: {
      const text = typeof value === "string" ? value : "";
      if (text.trim() === "" && (field.nullable || field.type === "select")) return field.nullable ? null : undefined;
      return text;
    }
  }
}

/** Whether two form values are the same for the field (a multiselect's order does not count). */
export function sameValue(field: FieldSpec, a: FormValue | undefined, b: FormValue | undefined): boolean {
  if (field.type === "multiselect") {
    const x = new Set(Array.isArray(a) ? a : []);
    const y = new Set(Array.isArray(b) ? b : []);
    return x.size === y.size && [...x].every((v) => y.has(v));
  }
  if (field.type === "list") {
    const x = splitList(typeof a === "string" ? a : "");
    const y = splitList(typeof b === "string" ? b : "");
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  return JSON.stringify(toApiValue(field, a)) === JSON.stringify(toApiValue(field, b));
}

/**
 * The body of a partial update: only the fields whose value changed from `initial`, converted to
 * the API's types. Empty when nothing changed (the caller then need not send anything).
 */
export function patchBody(fields: readonly FieldSpec[], initial: FormValues, current: FormValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of fields) {
    if (sameValue(f, initial[f.name], current[f.name])) continue;
    const v = toApiValue(f, current[f.name]);
    if (v !== undefined) body[f.name] = v;
  }
  return body;
}

/** The full body of a create form (every field, empty optional ones left out or `null`). */
export function createBody(fields: readonly FieldSpec[], values: FormValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of fields) {
    const v = toApiValue(f, values[f.name]);
    if (v !== undefined) body[f.name] = v;
  }
  return body;
}

/**
 * A body built from field specs as the request type of its endpoint. The specs name the fields, so
 * the compiler cannot check them; the service validates the body (a 422 names the wrong field).
 */
export function bodyAs<T>(body: Record<string, unknown>): T {
  return body as T;
}

export interface ErrorView {
  /** The error's machine-readable code (`validation_failed`, `conflict`, `http_500`…), if from the API. */
  code: string | null;
  message: string;
  /** A message per field name, from a `validation_failed` error's `details.problems[].loc`. */
  fields: Record<string, string>;
}

/** An error as a form shows it: the API's `{error: {code, message, details}}` or any thrown value. */
export function errorView(e: unknown, fieldNames: readonly string[] = []): ErrorView {
  if (!(e instanceof ApiError)) return { code: null, message: e instanceof Error ? e.message : String(e), fields: {} };
  const fields: Record<string, string> = {};
  const problems = e.details?.["problems"];
  if (Array.isArray(problems)) {
    for (const p of problems as { loc?: unknown; msg?: unknown }[]) {
      const loc = Array.isArray(p?.loc) ? p.loc.map(String) : [];
      const name = loc.find((part) => fieldNames.includes(part));
      if (name && typeof p.msg === "string") fields[name] = fields[name] ? `${fields[name]}; ${p.msg}` : p.msg;
    }
  }
  const field = e.details?.["field"];
  if (typeof field === "string" && fieldNames.includes(field) && !fields[field]) fields[field] = e.message;
  return { code: e.code, message: e.message, fields };
}
