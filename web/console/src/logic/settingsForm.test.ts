import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { blankValues, createBody, errorView, formValuesOf, patchBody, type FieldSpec } from "./settingsForm";

const userFields: FieldSpec[] = [
  { name: "name", label: "User name", required: true },
  { name: "role", label: "Role", type: "select" },
  { name: "team_ids", label: "User teams", type: "multiselect" },
  { name: "grants", label: "User grants", type: "multiselect" },
  { name: "max_chats", label: "Max chats", type: "number", nullable: true },
  { name: "active", label: "Active", type: "checkbox" },
  { name: "languages", label: "Languages", type: "list" },
];
const user = { name: "Ann", role: "agent", team_ids: ["t1", "t2"], grants: [], max_chats: 5, active: true, languages: ["en", "de"] };

describe("form values", () => {
  it("start empty by type", () => {
    expect(blankValues(userFields)).toEqual({ name: "", role: "", team_ids: [], grants: [], max_chats: "", active: false, languages: "" });
  });
  it("come from a stored object by type", () => {
    expect(formValuesOf(userFields, user)).toEqual({
      name: "Ann",
      role: "agent",
      team_ids: ["t1", "t2"],
      grants: [],
      max_chats: "5",
      active: true,
      languages: "en, de",
    });
    expect(formValuesOf(userFields, { ...user, max_chats: null })["max_chats"]).toBe("");
  });
});

describe("patchBody", () => {
  const initial = formValuesOf(userFields, user);
  it("is empty when nothing changed (a multiselect's order and list spacing do not count)", () => {
    expect(patchBody(userFields, initial, { ...initial, team_ids: ["t2", "t1"], languages: "en,de " })).toEqual({});
  });
  it("holds only the changed fields, in the API's types", () => {
    expect(patchBody(userFields, initial, { ...initial, role: "admin", max_chats: "12", active: false })).toEqual({
      role: "admin",
      max_chats: 12,
      active: false,
    });
    expect(patchBody(userFields, initial, { ...initial, team_ids: ["t1"], languages: "en, fr" })).toEqual({
      team_ids: ["t1"],
      languages: ["en", "fr"],
    });
  });
  it("sends null for an emptied nullable field and leaves an emptied non-nullable one out", () => {
    expect(patchBody(userFields, initial, { ...initial, max_chats: "" })).toEqual({ max_chats: null });
    expect(patchBody(userFields, initial, { ...initial, role: "" })).toEqual({});
    const tag: FieldSpec[] = [
      { name: "name", label: "Tag name" },
      { name: "group_id", label: "Tag group", type: "select", nullable: true },
      { name: "colour", label: "Colour", nullable: true },
    ];
    const t = formValuesOf(tag, { name: "vip", group_id: "g1", colour: "#336699" });
    expect(patchBody(tag, t, { ...t, group_id: "", colour: " " })).toEqual({ group_id: null, colour: null });
    expect(patchBody(tag, t, { ...t, name: "" })).toEqual({ name: "" }); // the API says why it is refused
  });
});

describe("createBody", () => {
  it("sends every field, empty optional ones as null or left out", () => {
    const fields: FieldSpec[] = [
      { name: "offences", label: "From offence number", type: "number" },
      { name: "length_minutes", label: "Length", type: "number", nullable: true },
      { name: "options", label: "Options", type: "list" },
    ];
    expect(createBody(fields, { offences: "2", length_minutes: "", options: "a, b," })).toEqual({ offences: 2, length_minutes: null, options: ["a", "b"] });
    expect(createBody(fields, { offences: "", length_minutes: "60", options: "" })).toEqual({ length_minutes: 60, options: [] });
  });
});

describe("errorView", () => {
  it("keeps the API's code and message and maps validation problems to fields", () => {
    const e = new ApiError(422, "validation_failed", "request failed validation", {
      problems: [
        { loc: ["body", "max_chats"], msg: "Input should be less than or equal to 1000", type: "less_than_equal" },
        { loc: ["body", "max_chats"], msg: "second", type: "x" },
        { loc: ["body"], msg: "these fields cannot be null: role", type: "value_error" },
      ],
    });
    expect(errorView(e, ["name", "max_chats"])).toEqual({
      code: "validation_failed",
      message: "request failed validation",
      fields: { max_chats: "Input should be less than or equal to 1000; second" },
    });
  });
  it("shows a domain error without fields and any other error by its message", () => {
    expect(errorView(new ApiError(409, "duplicate", "the teamspace already has one with this name"), ["name"])).toEqual({
      code: "duplicate",
      message: "the teamspace already has one with this name",
      fields: {},
    });
    expect(errorView(new Error("offline"))).toEqual({ code: null, message: "offline", fields: {} });
  });
});
