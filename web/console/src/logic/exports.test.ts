import { describe, expect, it } from "vitest";
import type { ExportJob } from "../api/types";
import { isRunning, mergeJobs, percentOf, runningIds } from "./exports";

const job = (id: string, created_at: string, overrides: Partial<ExportJob> = {}): ExportJob => ({
  id,
  created_at,
  format: "csv",
  status: "done",
  progress: 1,
  rows: 3,
  total: 3,
  filters: { agent: [], cf: {}, csat: [], mode: [], status: [], tag: [], tag_group: [], team: [] },
  ...overrides,
});

describe("the exports list", () => {
  it("keeps the listed exports newest first and merges polled ones by id", () => {
    const listed = [
      job("b", "2026-11-20T10:00:00Z", { status: "running", progress: 0.2, rows: 1 }),
      job("a", "2026-11-19T10:00:00Z"),
    ];
    expect(runningIds(listed)).toEqual(["b"]);
    const polled = mergeJobs(listed, [job("b", "2026-11-20T10:00:00Z", { status: "done" })]);
    expect(polled.map((j) => [j.id, j.status])).toEqual([
      ["b", "done"],
      ["a", "done"],
    ]);
    expect(runningIds(polled)).toEqual([]);
  });

  it("puts a new export first, adds an older page after, and drops removed ones", () => {
    const list = [job("b", "2026-11-20T10:00:00Z"), job("a", "2026-11-19T10:00:00Z")];
    const next = mergeJobs(list, [job("n", "2026-11-21T10:00:00Z", { status: "queued", progress: 0 }), job("old", "2026-11-01T00:00:00Z")], ["a"]);
    expect(next.map((j) => j.id)).toEqual(["n", "b", "old"]);
    expect(isRunning(next[0]!)).toBe(true);
  });

  it("clamps the progress to 0–100", () => {
    expect(percentOf({ progress: 0.456 })).toBe(46);
    expect(percentOf({ progress: 2 })).toBe(100);
    expect(percentOf({ progress: -1 })).toBe(0);
  });
});
