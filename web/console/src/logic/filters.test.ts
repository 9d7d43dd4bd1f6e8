import { describe, expect, it } from "vitest";
import { chat } from "./fixtures";
import {
  activeFilterCount,
  defaultQuery,
  emptyFilters,
  fromQueryString,
  matchesFilters,
  toChatQuery,
  toExportFilters,
  toQueryString,
  type TableQuery,
} from "./filters";

function query(filters: Partial<TableQuery["filters"]>, rest: Partial<Omit<TableQuery, "filters">> = {}): TableQuery {
  return { ...defaultQuery(), ...rest, filters: { ...emptyFilters(), ...filters } };
}

describe("filters to query string", () => {
  it("is empty for the default query", () => {
    expect(toQueryString(defaultQuery())).toBe("");
  });

  it("repeats a parameter for each value, none included", () => {
    const qs = toQueryString(query({ status: ["open", "none"], tag: ["t1", "t2"], agent: ["none"] }));
    expect(qs).toBe("status=open&status=none&tag=t1&tag=t2&agent=none");
  });

  it("sends every filter under its API name, custom fields as cf.<key>", () => {
    const qs = toQueryString(
      query(
        {
          q: "  refund please ",
          mode: ["ai"],
          tagGroup: ["g1"],
          team: ["t9", "none"],
          csat: ["5", "none"],
          createdFrom: "2026-11-01",
          createdTo: "2026-11-30",
          cf: { plan: ["gold", "none"], vip: ["true"] },
        },
        { sort: "last_message_at", page: 3, pageSize: 25 },
      ),
    );
    const params = new URLSearchParams(qs);
    expect(params.get("q")).toBe("refund please");
    expect(params.getAll("mode")).toEqual(["ai"]);
    expect(params.getAll("tag_group")).toEqual(["g1"]);
    expect(params.getAll("team")).toEqual(["t9", "none"]);
    expect(params.getAll("csat")).toEqual(["5", "none"]);
    expect(params.get("created_from")).toBe("2026-11-01");
    expect(params.get("created_to")).toBe("2026-11-30");
    expect(params.getAll("cf.plan")).toEqual(["gold", "none"]);
    expect(params.getAll("cf.vip")).toEqual(["true"]);
    expect(params.get("sort")).toBe("last_message_at");
    expect(params.get("page")).toBe("3");
    expect(params.get("page_size")).toBe("25");
  });

  it("drops duplicate values and empty keywords", () => {
    const qs = toQueryString(query({ q: "   ", status: ["open", "open"] }));
    expect(qs).toBe("status=open");
  });

  it("encodes reserved characters", () => {
    expect(toQueryString(query({ q: "a&b=c #1" }))).toBe("q=a%26b%3Dc+%231");
  });

  it("round-trips through the URL", () => {
    const q = query(
      { q: "x", status: ["pending", "none"], csat: ["1"], cf: { plan: ["none"] }, createdFrom: "2026-01-02" },
      { sort: "-updated_at", page: 2, pageSize: 100 },
    );
    expect(fromQueryString(`?${toQueryString(q)}`)).toEqual(q);
  });

  it("ignores bad values from a hand-edited URL", () => {
    const q = fromQueryString("status=nope&status=open&sort=sideways&page=-4&page_size=9999&csat=7");
    expect(q.filters.status).toEqual(["open"]);
    expect(q.filters.csat).toEqual([]);
    expect(q.sort).toBe("-created_at");
    expect(q.page).toBe(1);
    expect(q.pageSize).toBe(50);
  });

  it("gives the typed query of GET /v1/chats", () => {
    expect(toChatQuery(query({ status: ["open"] }))).toEqual({
      sort: "-created_at",
      page: 1,
      page_size: 50,
      status: ["open"],
    });
  });

  it("counts active filters", () => {
    expect(activeFilterCount(emptyFilters())).toBe(0);
    expect(activeFilterCount({ ...emptyFilters(), q: "x", status: ["none"], cf: { a: ["1"], b: [] } })).toBe(3);
  });

  it("gives the export's filters", () => {
    const f = toExportFilters({ ...emptyFilters(), csat: ["4", "none"], createdTo: "2026-11-30", cf: { plan: ["gold"] } });
    expect(f.csat).toEqual([4, "none"]);
    expect(f.created_to).toBe("2026-12-01T00:00:00.000Z");
    expect(f.created_from).toBeNull();
    expect(f.cf).toEqual({ plan: ["gold"] });
    expect(f.q).toBeNull();
  });
});

describe("matching a live chat against the filters", () => {
  const base = chat({ id: "c1", status: "open", tags: ["t1"], assignee_id: "u1", team_ids: ["team1"] });

  it("matches with no filters", () => {
    expect(matchesFilters(base, emptyFilters())).toBe(true);
  });

  it("applies OR within a filter and AND across filters", () => {
    expect(matchesFilters(base, { ...emptyFilters(), status: ["pending", "open"], agent: ["u1"] })).toBe(true);
    expect(matchesFilters(base, { ...emptyFilters(), status: ["open"], agent: ["u2"] })).toBe(false);
  });

  it("matches none to an empty field", () => {
    expect(matchesFilters(base, { ...emptyFilters(), agent: ["none"] })).toBe(false);
    expect(matchesFilters(chat({ id: "c2" }), { ...emptyFilters(), agent: ["none"], tag: ["none"], csat: ["none"] })).toBe(true);
    expect(matchesFilters(base, { ...emptyFilters(), cf: { plan: ["none"] } })).toBe(true);
    expect(matchesFilters(chat({ id: "c3", custom_fields: { plan: "gold" } }), { ...emptyFilters(), cf: { plan: ["none"] } })).toBe(false);
  });

  it("compares CSAT and creation dates", () => {
    const rated = chat({ id: "c4", rating: { score: 4 }, created_at: "2026-11-15T12:00:00Z" });
    expect(matchesFilters(rated, { ...emptyFilters(), csat: ["4"] })).toBe(true);
    expect(matchesFilters(rated, { ...emptyFilters(), createdFrom: "2026-11-15", createdTo: "2026-11-15" })).toBe(true);
    expect(matchesFilters(rated, { ...emptyFilters(), createdFrom: "2026-11-16" })).toBe(false);
  });

  it("cannot tell for a keyword or an unknown tag group", () => {
    expect(matchesFilters(base, { ...emptyFilters(), q: "refund" })).toBeNull();
    expect(matchesFilters(base, { ...emptyFilters(), tagGroup: ["g1"] })).toBeNull();
    expect(matchesFilters(base, { ...emptyFilters(), tagGroup: ["g1"] }, () => "g1")).toBe(true);
    expect(matchesFilters(base, { ...emptyFilters(), tagGroup: ["g1"] }, () => "g2")).toBe(false);
  });
});
