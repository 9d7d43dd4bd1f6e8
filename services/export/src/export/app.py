"""Composition root of the export service: the read model fed by the inbox's events, its copy of the
inbox's tags (for the ``tag_group`` filter), the export jobs and their files, and the transcripts."""

from __future__ import annotations

from fastapi import FastAPI
from livechat_shared.runtime import Runtime
from livechat_shared.topology import EXPORT_CATALOG, EXPORT_CHATS, EXPORT_DIRECTORY
from livechat_shared.web import create_service_app

from .catalog.handlers import on_tag_changed
from .catalog.repository import TagCopy
from .catalog.use_cases import TagCopyUseCases
from .core.store import ReadModel
from .errors import HTTP_STATUS
from .exports import routes as export_routes
from .exports.repository import ExportFiles, ExportJobRepository, ExportRows
from .exports.use_cases import ExportConfig, ExportJobs, ExportUseCases
from .exports.worker import ExportWorker
from .projection.handlers import on_inbox_event
from .projection.repository import ProjectionRepository
from .projection.use_cases import ProjectionUseCases
from .settings import Settings
from .transcripts import routes as transcript_routes
from .transcripts.use_cases import TranscriptUseCases


def create_app(settings: Settings) -> FastAPI:
    runtime = Runtime.create(settings)
    mongo = runtime.mongo
    directory = runtime.keep_directory_copy(EXPORT_DIRECTORY)
    read = ReadModel(mongo)
    config = ExportConfig(
        ttl_seconds=settings.export_ttl_seconds,
        lease_seconds=settings.export_lease_seconds,
        max_attempts=settings.export_max_attempts,
        max_pending=settings.export_max_pending,
    )
    jobs_repo, files = ExportJobRepository(mongo), ExportFiles(mongo)
    tags = TagCopy(mongo)  # which tags are in which group: the port the jobs' tag_group filter reads
    jobs = ExportJobs(jobs_repo, files, ExportRows(mongo), read, directory, config, tag_groups=tags)
    worker = ExportWorker(jobs, settings.export_poll_seconds)
    runtime.on_start.append(worker.start)
    runtime.on_stop.append(worker.stop)
    runtime.every(settings.export_sweep_seconds, jobs.sweep_expired, name="export-expiry-sweep")

    projection = ProjectionUseCases(
        ProjectionRepository(mongo), erasures=jobs, linger_seconds=settings.export_group_linger_seconds
    )
    runtime.consumers.durable(EXPORT_CHATS, on_inbox_event(projection))  # every partition
    runtime.consumers.durable(EXPORT_CATALOG, on_tag_changed(TagCopyUseCases(tags)))

    app = create_service_app(
        runtime,
        title="livechat export",
        description="Exports of chats (CSV, JSONL) and transcripts, from a read model of the inbox's events",
        errors=HTTP_STATUS,
    )
    app.state.exports = ExportUseCases(jobs_repo, files, config, on_queued=worker.wake)
    app.state.export_jobs, app.state.export_worker = jobs, worker
    app.state.projection = projection
    app.state.transcripts = TranscriptUseCases(read)
    app.include_router(export_routes.router)
    app.include_router(transcript_routes.router)
    return app
