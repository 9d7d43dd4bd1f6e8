/**
 * The Exports screen's list: the caller's own exports from `GET /export/v1/exports` (newest first,
 * so they survive a reload), kept current by re-reading the running ones one by one
 * (`GET /export/v1/exports/{id}`) until they finish.
 */
import type { ExportJob } from "../api/types";

/** Still being written: its progress is worth polling. */
export function isRunning(job: Pick<ExportJob, "status">): boolean {
  return job.status === "queued" || job.status === "running";
}

/** The ids to poll, in the list's order. */
export function runningIds(jobs: readonly ExportJob[]): string[] {
  return jobs.filter(isRunning).map((j) => j.id);
}

/** Merge jobs read later (a poll, a new export, an older page) into the list by id, newest first;
 * `removed` ids (the export no longer exists) leave it. */
export function mergeJobs(list: readonly ExportJob[], updates: readonly ExportJob[], removed: readonly string[] = []): ExportJob[] {
  const byId = new Map(list.map((j) => [j.id, j]));
  for (const job of updates) byId.set(job.id, job);
  for (const id of removed) byId.delete(id);
  // Array.prototype.sort is stable: equal times keep the server's order.
  return [...byId.values()].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
}

/** The progress bar's value, 0–100. */
export function percentOf(job: Pick<ExportJob, "progress">): number {
  return Math.round(Math.min(1, Math.max(0, job.progress)) * 100);
}
