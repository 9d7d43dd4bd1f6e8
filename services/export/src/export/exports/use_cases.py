"""Exports: ask for one, follow it, download its file; the job that writes the file; what happens
to the files when they expire or a chat in them is deleted."""

from __future__ import annotations

import asyncio
import marshal
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from livechat_shared.auth import Principal
from livechat_shared.contracts import DirectoryUser
from livechat_shared.ids import new_id, utcnow
from livechat_shared.pagination import Page, PageParams
from livechat_shared.telemetry import get_logger

from ..core.store import ReadModel, prefetched
from ..errors import ExportFailed, ExportGone, ExportNotFound, ExportNotReady, TooManyExports
from .repository import ExportFiles, ExportJobRepository, ExportRows, FileWriter
from .rules import (
    CHAT_DELETED,
    INTERRUPTED,
    JSONL_TAIL,
    MEDIA_TYPES,
    check_may_export,
    csv_cells,
    csv_header,
    csv_line,
    csv_row,
    deletions_since,
    expiry,
    export_out,
    export_query,
    file_name,
    jsonl_head,
    jsonl_line,
    jsonl_messages,
    tag_groups_wanted,
    transcript_groups,
    visible_status,
)
from .schemas import ExportCreated, ExportJob, ExportOut, ExportRequest, GroupTags

log = get_logger(__name__)
Doc = dict[str, Any]


@dataclass(frozen=True)
class ExportConfig:
    ttl_seconds: int
    lease_seconds: float
    max_attempts: int
    max_pending: int
    batch_chats: int = 1000
    """Chats read from the database at a time (the next batch is read while one is written)."""
    transcript_chats: int = 25
    """Chats whose messages a JSONL export reads with one query (``$in``). The embedded server
    compares each message it finds with every id of the query, so more chats a query cost it more a
    message: 25 read 10,000 chats' messages a third faster than 100 (``bench/export``)."""
    transcript_messages: int = 2000
    """Messages such a query reads at most (a chat's count is on it); a chat with more is read on its
    own, a part at a time, so the memory a job holds is bounded by these sizes, not by the export."""
    record_rows: int = 1000
    """Chats recorded together as being in the file (one document; see ``RowRecorder``)."""
    progress_seconds: float = 1.0
    """How often a job says how far it got (and renews its lease: at least four times a lease)."""
    flush_bytes: int = 64 * 1024
    """Bytes kept before they are handed to the file (which stores them a chunk at a time)."""


@dataclass(frozen=True)
class ExportFile:
    filename: str
    media_type: str
    chunks: AsyncIterator[bytes]


class Staff(Protocol):
    """Where assignees' names come from (the service's copy of the directory)."""

    async def user(self, user_id: str) -> DirectoryUser | None: ...


class TagGroups(Protocol):
    """Which tags are in which tag group (the service's copy of the inbox's tags)."""

    async def ids_in_groups(self, workspace_id: str, group_ids: Sequence[str] | None) -> list[str]:
        """The workspace's tags in any of the groups (``None``: in any group at all)."""
        ...


class ExportUseCases:
    """What the API does: ask for an export, read its state, download its file."""

    def __init__(
        self,
        jobs: ExportJobRepository,
        files: ExportFiles,
        config: ExportConfig,
        on_queued: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.jobs, self.files, self.config = jobs, files, config
        self.on_queued, self.clock = on_queued, clock

    async def create(self, user: Principal, request: ExportRequest) -> ExportCreated:
        """Queue an export of the chats the user may see that match the filters (``export``)."""
        check_may_export(user)
        if await self.jobs.pending_of(user.user_id) >= self.config.max_pending:
            raise TooManyExports()
        job = ExportJob(
            id=new_id(),
            workspace_id=user.workspace_id,
            owner_id=user.user_id,
            role=user.role.value,
            teams=sorted(user.teams),
            format=request.format,
            filters=request.filters,
            status="queued",
            created_at=self.clock(),
        )
        await self.jobs.add(job)
        self.on_queued()
        return ExportCreated(id=job.id, status=job.status)

    async def _own(self, user: Principal, export_id: str) -> ExportJob:
        check_may_export(user)
        job = await self.jobs.get(user.workspace_id, export_id)
        if job is None or job.owner_id != user.user_id:
            raise ExportNotFound()
        return job

    async def mine(self, user: Principal, paging: PageParams) -> Page[ExportOut]:
        """The user's own exports, newest first (those of others are never listed), with each one's
        state, as :meth:`read` gives it."""
        check_may_export(user)
        jobs, total = await self.jobs.of_owner(user.workspace_id, user.user_id, paging.skip, paging.page_size)
        now = self.clock()
        items = [export_out(job, now) for job in jobs]
        return Page(items=items, total=total, page=paging.page, page_size=paging.page_size)

    async def read(self, user: Principal, export_id: str) -> ExportOut:
        """The export's state, for its creator only."""
        return export_out(await self._own(user, export_id), self.clock())

    async def download(self, user: Principal, export_id: str) -> ExportFile:
        """The export's file, streamed, for its creator only, until it expires."""
        job = await self._own(user, export_id)
        now = self.clock()
        status = visible_status(job, now)
        if status in ("queued", "running"):
            raise ExportNotReady()
        if status == "failed":
            raise ExportFailed(job.error)
        if status != "done" or job.file_id is None or not await self.files.exists(job.file_id):
            raise ExportGone()
        await self.jobs.downloaded(job, now)
        return ExportFile(file_name(job), MEDIA_TYPES[job.format], self.files.chunks(job.file_id))


class JobLost(Exception):
    """Another process took the job over (this one stopped renewing its lease in time)."""


class _Sink:
    """What a job writes to its file, handed over in pieces of about ``flush_bytes``."""

    def __init__(self, out: FileWriter, flush_bytes: int) -> None:
        self.out, self.flush_bytes = out, flush_bytes
        self.held: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> None:
        self.held.append(data)
        self.size += len(data)

    async def flush(self, force: bool = False) -> None:
        if self.size < self.flush_bytes and not (force and self.held):
            return
        await self.out.write(b"".join(self.held))
        self.held, self.size = [], 0


class _Names:
    """Assignees' names, each looked up once per job (a bounded cache)."""

    LIMIT = 10_000

    def __init__(self, staff: Staff) -> None:
        self.staff = staff
        self.known: dict[str, str | None] = {}

    async def load(self, user_ids: Iterable[str | None]) -> None:
        """Look up the names of ``user_ids`` not known yet (before :meth:`get` of any of them)."""
        wanted = {u for u in user_ids if u is not None}
        missing = wanted - self.known.keys()
        if len(self.known) + len(missing) > self.LIMIT:
            self.known.clear()
            missing = wanted
        for user_id in missing:
            user = await self.staff.user(user_id)
            self.known[user_id] = user.name if user else None

    def get(self, user_id: str | None) -> str | None:
        return None if user_id is None else self.known.get(user_id)


class _Progress:
    """A job's rows: recorded as being in its file, and told to the job every ``progress_seconds``
    with its lease renewed (``JobLost`` when another process took it)."""

    def __init__(self, owner: ExportJobs, job: ExportJob) -> None:
        self.owner, self.job = owner, job
        self.recorder = owner.rows.recorder(job.workspace_id, job.id, owner.config.record_rows)
        self.rows = 0
        self.beaten = time.monotonic()

    async def add(self, chat_ids: list[str]) -> None:
        await self.recorder.add(chat_ids)
        self.rows += len(chat_ids)
        await self.tick()

    async def tick(self) -> None:
        """Say how far the job got, if it is time to."""
        if time.monotonic() - self.beaten >= self.owner.beat_every:
            await self.beat()

    async def beat(self, total: int | None = None) -> None:
        if not await self.owner.jobs.heartbeat(self.job, self.rows, self.owner.lease(), total):
            raise JobLost()
        self.beaten = time.monotonic()

    async def done(self) -> None:
        await self.recorder.close()


Transcripts = list[tuple[Doc, list[Doc] | None]]
"""Chats with their messages (``None``: a long chat, whose messages are read as it is written)."""


class ExportJobs:
    """The export jobs' work: claim one, write its file, finish it; expire files; drop the files that
    hold a deleted chat. Crash-safe: a job is held under a lease its process renews while writing,
    so a job whose process died is taken over from the start once the lease ends (and failed after
    ``max_attempts``).

    A ``tag_group`` filter is expanded to the groups' tags when the job runs (each attempt), from
    ``tag_groups`` as it is then — as the chats are read as they are then, and as the inbox's table
    reads its catalog when queried —, not when the export is asked for: a job waits seconds at most,
    and the export's ``filters`` stay what its creator sent."""

    def __init__(
        self,
        jobs: ExportJobRepository,
        files: ExportFiles,
        rows: ExportRows,
        read: ReadModel,
        staff: Staff,
        config: ExportConfig,
        clock: Callable[[], datetime] = utcnow,
        *,
        tag_groups: TagGroups | None = None,
    ) -> None:
        self.jobs, self.files, self.rows, self.read, self.staff = jobs, files, rows, read, staff
        self.config, self.clock, self.tag_groups = config, clock, tag_groups

    def lease(self) -> datetime:
        return self.clock() + timedelta(seconds=self.config.lease_seconds)

    @property
    def beat_every(self) -> float:
        return min(self.config.progress_seconds, self.config.lease_seconds / 4)

    async def run_next(self) -> bool:
        """Run the next job to do, if there is one (True), to its end."""
        now = self.clock()
        for stale in await self.jobs.abandoned(now, self.config.max_attempts):
            if await self.jobs.fail_abandoned(stale, INTERRUPTED, now):
                log.warning("export_abandoned", export_id=stale.id, attempts=stale.attempts)
                await self.files.delete(stale.file_id)
                await self.rows.forget(stale.id)
        job = await self.jobs.claim(now, self.lease(), self.config.max_attempts)
        if job is None:
            return False
        await self.run(job)
        return True

    async def run(self, job: ExportJob) -> None:
        """Write a claimed job's file and finish the job."""
        await self.files.delete(job.file_id)  # what an earlier attempt left
        await self.rows.forget(job.id)
        file_id = new_id()
        try:
            rows = await self._write(job, file_id)
            await self._finish(job, file_id, rows)
        except JobLost:
            log.warning("export_lost", export_id=job.id)
            await self.files.delete(file_id)
        except asyncio.CancelledError:  # the process is stopping: the job goes back to the queue
            await asyncio.shield(self._give_back(job, file_id))
            raise
        except Exception as exc:
            log.exception("export_failed", export_id=job.id)
            if await self.jobs.end(job, "failed", f"the export failed: {type(exc).__name__}", self.clock()):
                await self.rows.forget(job.id)
            await self.files.delete(file_id)

    async def _give_back(self, job: ExportJob, file_id: str) -> None:
        await self.jobs.release(job)
        await self.files.delete(file_id)

    async def _write(self, job: ExportJob, file_id: str) -> int:
        """Stream the chats of the export into a new file, reading them once; the rows written."""
        if not await self.jobs.started(job, file_id, self.lease()):
            raise JobLost()
        query = export_query(job, await self._groups(job))
        metadata = {"export_id": job.id, "workspace_id": job.workspace_id, "owner_id": job.owner_id}
        out = self.files.create(file_id, file_name(job), metadata)
        progress = _Progress(self, job)
        try:
            if job.format == "csv":
                await self._write_csv(query, out, progress)
            else:
                await self._write_jsonl(query, out, progress)
            await progress.done()
            await out.close()
        except BaseException:
            await asyncio.shield(out.abort())
            raise
        return progress.rows

    async def _groups(self, job: ExportJob) -> GroupTags | None:
        """The tags the job's ``tag_group`` filter stands for, read now; ``None`` without one."""
        named, none = tag_groups_wanted(job.filters)
        if not named and not none:
            return None
        if self.tag_groups is None:
            raise RuntimeError("a tag_group filter needs the copy of the tag groups, and none is wired")
        return GroupTags(
            named=await self.tag_groups.ids_in_groups(job.workspace_id, named) if named else [],
            grouped=await self.tag_groups.ids_in_groups(job.workspace_id, None) if none else [],
        )

    async def _write_csv(self, query: Doc, out: FileWriter, progress: _Progress) -> None:
        """The columns depend on the custom fields the chats have, known once they are all read: the
        rows' cells are kept in the file's spool meanwhile (in the database, compressed, a batch a
        piece), then written after the header."""
        spool = self.files.spool(out.file_id)
        names = _Names(self.staff)
        keys: set[str] = set()
        sink = _Sink(out, self.config.flush_bytes)
        try:
            async for chats in self.read.matching(query, self.config.batch_chats):
                await names.load(chat.get("assignee_id") for chat in chats)
                cells = [csv_cells(chat, names.get(chat.get("assignee_id"))) for chat in chats]
                for _, fields, _ in cells:
                    keys.update(fields)
                await spool.write(zlib.compress(marshal.dumps(cells), 1))
                await progress.add([chat["_id"] for chat in chats])
            await progress.beat(total=progress.rows)
            field_keys = sorted(keys)
            sink.write(csv_line(csv_header(field_keys)).encode())
            async for piece in spool.pieces():
                rows = marshal.loads(zlib.decompress(piece))
                sink.write("".join([csv_row(row, field_keys) for row in rows]).encode())
                await sink.flush()
                await progress.tick()
            await sink.flush(force=True)
        finally:
            await asyncio.shield(spool.drop())

    async def _write_jsonl(self, query: Doc, out: FileWriter, progress: _Progress) -> None:
        """A line per chat with its messages, read for many chats at once (the next ones while these
        are written)."""
        sink = _Sink(out, self.config.flush_bytes)
        async for transcripts in prefetched(self._transcripts(query)):
            for chat, messages in transcripts:
                if messages is not None:
                    sink.write(jsonl_line(chat, messages))
                    continue
                sink.write(jsonl_head(chat))
                first = True
                async for part in self.read.messages_in_order(chat["_id"]):
                    sink.write(jsonl_messages(part, first))
                    first = False
                    await sink.flush()
                sink.write(JSONL_TAIL)
            await sink.flush()
            await progress.add([chat["_id"] for chat, _ in transcripts])
        await sink.flush(force=True)

    async def _transcripts(self, query: Doc) -> AsyncIterator[Transcripts]:
        """The chats of the export with their messages, a group at a time (one query per group)."""
        config = self.config
        async for chats in self.read.matching(query, config.batch_chats):
            for group in transcript_groups(chats, config.transcript_chats, config.transcript_messages):
                short = [chat["_id"] for chat, long in group if not long]
                found = await self.read.messages_of(short) if short else {}
                yield [(chat, None if long else found[chat["_id"]]) for chat, long in group]

    async def _finish(self, job: ExportJob, file_id: str, rows: int) -> None:
        """Done — unless a chat the file holds was deleted meanwhile: then the file goes."""
        now = self.clock()
        if not await self._holds_deleted_chat(job) and await self.jobs.finish(
            job, rows, now, expiry(now, self.config.ttl_seconds)
        ):
            log.info("export_done", export_id=job.id, rows=rows)
            return
        if await self.jobs.end(job, "deleted", CHAT_DELETED, now):
            await self.rows.forget(job.id)
        await self.files.delete(file_id)

    async def _holds_deleted_chat(self, job: ExportJob) -> bool:
        """Whether a chat deleted since the job started is in its file (a deletion that came before
        the job's rows were recorded: ``chat_erased`` did not find them)."""
        deleted = await self.read.deleted_since(job.workspace_id, deletions_since(job))
        return await self.rows.holds_any(job.id, deleted)

    async def chat_erased(self, workspace_id: str, chat_id: str) -> None:
        """A chat was deleted: a running export holding it will not be kept; finished files holding it
        are deleted (their exports show ``deleted`` and why)."""
        for export_id in await self.rows.exports_with(workspace_id, chat_id):
            if await self.jobs.taint_if_running(export_id):
                continue
            job = await self.jobs.discard_if_done(export_id, CHAT_DELETED, self.clock())
            if job is not None:
                await self.files.delete(job.file_id)
                await self.rows.forget(export_id)

    async def sweep_expired(self) -> int:
        """Delete the files whose time is up; how many."""
        swept = 0
        for job in await self.jobs.expired(self.clock()):
            if await self.jobs.mark_expired(job):
                await self.files.delete(job.file_id)
                await self.rows.forget(job.id)
                swept += 1
        return swept
