import { useCallback, useEffect, useId, useMemo, useState, type FormEvent } from "react";
import { ApiError, unwrap } from "../api/client";
import type { ExportFormat, ExportJob } from "../api/types";
import { can } from "../auth/permissions";
import { serviceUrl } from "../config";
import { isRunning, mergeJobs, percentOf, runningIds } from "../logic/exports";
import { activeFilterCount, fromQueryString, toExportFilters } from "../logic/filters";
import { saveBlob } from "./DetailsPanel";
import { errorText, formatDateTime } from "./format";
import { href } from "./router";
import { useSession } from "./session";

const PAGE_SIZE = 20;
const POLL_MS = 1500;

export function Exports({ search }: { search: string }) {
  const { api, me } = useSession();
  const mayExport = can(me, "export");
  const query = useMemo(() => fromQueryString(search), [search]);
  const [format, setFormat] = useState<ExportFormat>("csv");
  const [jobs, setJobs] = useState<ExportJob[]>([]);
  const [listed, setListed] = useState<{ pages: number; total: number } | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  const loadPage = useCallback(
    async (page: number) => {
      const result = await unwrap(api.export.GET("/v1/exports", { params: { query: { page, page_size: PAGE_SIZE } } }));
      setJobs((list) => mergeJobs(list, result.items));
      setListed((current) => ({ pages: Math.max(page, current?.pages ?? 0), total: result.total }));
    },
    [api],
  );

  // The user's exports, newest first (they outlive this tab).
  useEffect(() => {
    if (!mayExport) return;
    let cancelled = false;
    setListError(null);
    loadPage(1).catch((e: unknown) => !cancelled && setListError(errorText(e)));
    return () => {
      cancelled = true;
    };
  }, [loadPage, mayExport]);

  // Poll the running ones for their progress until they finish (the set changes as they do).
  const running = runningIds(jobs).join(",");
  useEffect(() => {
    if (!running) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    async function poll() {
      const results = await Promise.all(
        running.split(",").map((exportId) =>
          unwrap(api.export.GET("/v1/exports/{export_id}", { params: { path: { export_id: exportId } } })).then(
            (job) => ({ exportId, job }),
            (e: unknown) => ({ exportId, job: e instanceof ApiError && e.status === 404 ? null : undefined }),
          ),
        ),
      );
      if (cancelled) return;
      const updates = results.flatMap((r) => (r.job ? [r.job] : []));
      const removed = results.filter((r) => r.job === null).map((r) => r.exportId);
      setJobs((list) => mergeJobs(list, updates, removed));
      timer = setTimeout(() => void poll(), POLL_MS);
    }
    timer = setTimeout(() => void poll(), POLL_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api, running]);

  if (!mayExport) return <p className="page">You may not export chats.</p>;

  async function start(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const created = await unwrap(api.export.POST("/v1/exports", { body: { format, filters: toExportFilters(query.filters) } }));
      const job = await unwrap(api.export.GET("/v1/exports/{export_id}", { params: { path: { export_id: created.id } } })).catch(() => null);
      if (job) {
        setJobs((list) => mergeJobs(list, [job]));
        setListed((current) => (current ? { ...current, total: current.total + 1 } : current));
      } else {
        await loadPage(1);
      }
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
      {listError && (
        <p className="error" role="alert">
          Could not list your exports: {listError}
        </p>
      )}
      {!listed && !listError && <p role="status">Loading your exports…</p>}
      {listed && jobs.length === 0 && <p className="empty">You have no exports yet.</p>}
      <ul className="exports">
        {jobs.map((job) => {
          const percent = percentOf(job);
          return (
            <li key={job.id} className="card">
              <strong>{job.format.toUpperCase()}</strong> · started {formatDateTime(job.created_at)} · <span>{job.status}</span>
              {isRunning(job) && (
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
      {listed && jobs.length < listed.total && (
        <button
          type="button"
          onClick={() => void loadPage(listed.pages + 1).catch((e: unknown) => setListError(errorText(e)))}
        >
          Show older exports
        </button>
      )}
    </div>
  );
}
