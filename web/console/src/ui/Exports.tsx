import { useEffect, useId, useMemo, useState, type FormEvent } from "react";
import { unwrap } from "../api/client";
import type { ExportFormat, ExportJob } from "../api/types";
import { can } from "../auth/permissions";
import { serviceUrl } from "../config";
import { activeFilterCount, fromQueryString, toExportFilters } from "../logic/filters";
import { saveBlob } from "./DetailsPanel";
import { errorText, formatDateTime } from "./format";
import { href } from "./router";
import { useSession } from "./session";

const KEY = "livechat.console.exports";

/** The exports this tab started (the export API has no list endpoint: see README, API gaps). */
function remembered(): string[] {
  try {
    const ids = JSON.parse(sessionStorage.getItem(KEY) ?? "[]") as unknown;
    return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

export function Exports({ search }: { search: string }) {
  const { api, me } = useSession();
  const query = useMemo(() => fromQueryString(search), [search]);
  const [format, setFormat] = useState<ExportFormat>("csv");
  const [ids, setIds] = useState<string[]>(remembered);
  const [jobs, setJobs] = useState<Record<string, ExportJob>>({});
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  useEffect(() => sessionStorage.setItem(KEY, JSON.stringify(ids)), [ids]);

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    async function poll() {
      const results = await Promise.all(
        ids.map((exportId) =>
          unwrap(api.export.GET("/v1/exports/{export_id}", { params: { path: { export_id: exportId } } })).catch(() => null),
        ),
      );
      if (cancelled) return;
      const next: Record<string, ExportJob> = {};
      for (const job of results) if (job) next[job.id] = job;
      setJobs(next);
      if (results.some((j) => j && (j.status === "queued" || j.status === "running"))) timer = setTimeout(() => void poll(), 1500);
    }
    void poll();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api, ids]);

  if (!can(me, "export")) return <p className="page">You may not export chats.</p>;

  async function start(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const created = await unwrap(api.export.POST("/v1/exports", { body: { format, filters: toExportFilters(query.filters) } }));
      setIds((list) => [created.id, ...list.filter((x) => x !== created.id)].slice(0, 20));
    } catch (err) {
      setError(errorText(err));
    }
  }

  async function download(job: ExportJob) {
    setError(null);
    try {
      const response = await api.fetch(`${serviceUrl(api.base, "export")}/v1/exports/${encodeURIComponent(job.id)}/download`);
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        throw new Error(body?.error?.message ?? `${response.status} ${response.statusText}`);
      }
      saveBlob(await response.blob(), `chats-${job.id}.${job.format}`);
    } catch (err) {
      setError(errorText(err));
    }
  }

  const count = activeFilterCount(query.filters);
  return (
    <div className="page">
      <h1>Exports</h1>
      <form onSubmit={start} className="card" aria-labelledby={`${id}-h`}>
        <h2 id={`${id}-h`}>New export</h2>
        <p>
          {count === 0 ? "Every chat you may see" : `The chats matching the table's ${count} ${count === 1 ? "filter" : "filters"}`} (
          <a href={href(["chats"], search)}>change the filters in the table</a>).
        </p>
        <fieldset>
          <legend>Format</legend>
          <label className="check">
            <input type="radio" name="format" value="csv" checked={format === "csv"} onChange={() => setFormat("csv")} /> CSV (one row per chat)
          </label>
          <label className="check">
            <input type="radio" name="format" value="jsonl" checked={format === "jsonl"} onChange={() => setFormat("jsonl")} /> JSONL (each chat
            with its transcript)
          </label>
        </fieldset>
        <button type="submit" className="primary">
          Start export
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <h2>Your exports</h2>
      {ids.length === 0 && <p className="empty">No exports started in this tab yet.</p>}
      <ul className="exports">
        {ids.map((exportId) => {
          const job = jobs[exportId];
          if (!job) return <li key={exportId}>Export {exportId}…</li>;
          const percent = Math.round(Math.min(1, Math.max(0, job.progress)) * 100);
          return (
            <li key={exportId} className="card">
              <strong>{job.format.toUpperCase()}</strong> · started {formatDateTime(job.created_at)} · <span>{job.status}</span>
              {(job.status === "queued" || job.status === "running") && (
                <>
                  {" "}
                  <progress max={100} value={percent} aria-label={`Export ${job.id} progress`}>
                    {percent}%
                  </progress>{" "}
                  {job.rows} rows{job.total !== null ? ` of ${job.total}` : ""}
                </>
              )}
              {job.status === "done" && (
                <>
                  {" "}
                  · {job.rows} rows {job.expires_at && <span className="muted">(until {formatDateTime(job.expires_at)})</span>}{" "}
                  <button type="button" onClick={() => void download(job)}>
                    Download {job.format.toUpperCase()}
                  </button>
                </>
              )}
              {job.status === "failed" && <span className="error"> {job.error}</span>}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
