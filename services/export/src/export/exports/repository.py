"""Storage of the exports: the jobs, their files (GridFS, so any replica serves any file) and which
chats each file holds (so a deleted chat's files can be found)."""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime
from typing import Any

from bson import Binary
from gridfs import AsyncGridFSBucket, NoFile
from livechat_shared.ids import new_id, utcnow
from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from .schemas import ExportJob, ExportStatus

JOBS, ROWS, BUCKET = "export_jobs", "export_rows", "export_files"
DUPLICATE_KEY = 11000


class ExportJobRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db[JOBS]
        mongo.declare_indexes(
            JOBS,
            [
                IndexModel([("status", ASCENDING), ("created_at", ASCENDING)]),
                IndexModel([("status", ASCENDING), ("lease_until", ASCENDING)]),
                IndexModel([("owner_id", ASCENDING), ("status", ASCENDING)]),
                IndexModel([("owner_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
                IndexModel([("status", ASCENDING), ("expires_at", ASCENDING)]),
            ],
        )

    async def add(self, job: ExportJob) -> None:
        await self.coll.insert_one(job.to_doc())

    async def get(self, workspace_id: str, export_id: str) -> ExportJob | None:
        doc = await self.coll.find_one({"_id": export_id, "workspace_id": workspace_id})
        return ExportJob.from_doc(doc) if doc else None

    async def of_owner(
        self, workspace_id: str, owner_id: str, skip: int, limit: int
    ) -> tuple[list[ExportJob], int]:
        """A page of the user's exports, newest first, and how many they have."""
        query = {"owner_id": owner_id, "workspace_id": workspace_id}
        cursor = self.coll.find(query).sort([("created_at", DESCENDING), ("_id", DESCENDING)])
        docs = await cursor.skip(skip).limit(limit).to_list()
        return [ExportJob.from_doc(d) for d in docs], await self.coll.count_documents(query)

    async def pending_of(self, owner_id: str) -> int:
        """The user's exports queued or running."""
        return await self.coll.count_documents(
            {"owner_id": owner_id, "status": {"$in": ["queued", "running"]}}
        )

    async def abandoned(self, now: datetime, max_attempts: int) -> list[ExportJob]:
        """Running jobs whose process stopped renewing their lease, and that were started too often."""
        query = {"status": "running", "lease_until": {"$lt": now}, "attempts": {"$gte": max_attempts}}
        return [ExportJob.from_doc(d) for d in await self.coll.find(query).limit(100).to_list()]

    async def claim(self, now: datetime, lease_until: datetime, max_attempts: int) -> ExportJob | None:
        """Take the oldest queued job, or a running one whose process stopped renewing its lease and
        that has attempts left (atomically: one process wins it), with a new claim token; ``None``
        when there is none."""
        abandoned = {"status": "running", "lease_until": {"$lt": now}, "attempts": {"$lt": max_attempts}}
        doc = await self.coll.find_one_and_update(
            {"$or": [{"status": "queued"}, abandoned]},
            {
                "$set": {
                    "status": "running",
                    "claim": new_id(),
                    "lease_until": lease_until,
                    "started_at": now,
                    "rows": 0,
                    "tainted": False,
                },
                "$inc": {"attempts": 1},
            },
            sort=[("created_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        return ExportJob.from_doc(doc) if doc else None

    async def _held(self, job: ExportJob, changes: dict[str, Any], *extra: dict[str, Any]) -> bool:
        """Apply ``changes`` while the job is still held by this claim; False when it was lost."""
        query: dict[str, Any] = {"_id": job.id, "claim": job.claim, "status": "running"}
        for more in extra:
            query.update(more)
        result = await self.coll.update_one(query, changes)
        return result.matched_count == 1

    async def started(self, job: ExportJob, file_id: str, lease_until: datetime) -> bool:
        return await self._held(job, {"$set": {"file_id": file_id, "lease_until": lease_until}})

    async def heartbeat(
        self, job: ExportJob, rows: int, lease_until: datetime, total: int | None = None
    ) -> bool:
        """Renew the lease and say how far the job got (and, once known, how many rows it has)."""
        changes: dict[str, Any] = {"rows": rows, "lease_until": lease_until}
        if total is not None:
            changes["total"] = total
        return await self._held(job, {"$set": changes})

    async def finish(self, job: ExportJob, rows: int, finished_at: datetime, expires_at: datetime) -> bool:
        """Mark the job done unless a deleted chat tainted it meanwhile (or it was lost)."""
        done = {"status": "done", "rows": rows, "total": rows, "finished_at": finished_at}
        changes = {
            "$set": {**done, "expires_at": expires_at},
            "$unset": {"claim": "", "lease_until": ""},
        }
        return await self._held(job, changes, {"tainted": {"$ne": True}})

    async def end(self, job: ExportJob, status: ExportStatus, error: str, at: datetime) -> bool:
        """End a held job as ``failed`` or ``deleted`` with its reason."""
        changes = {
            "$set": {"status": status, "error": error, "finished_at": at},
            "$unset": {"claim": "", "lease_until": ""},
        }
        return await self._held(job, changes)

    async def fail_abandoned(self, job: ExportJob, error: str, at: datetime) -> bool:
        result = await self.coll.update_one(
            {"_id": job.id, "claim": job.claim, "status": "running"},
            {"$set": {"status": "failed", "error": error, "finished_at": at}, "$unset": {"claim": ""}},
        )
        return result.modified_count == 1

    async def release(self, job: ExportJob) -> None:
        """Give a job back to the queue (its process is stopping): the next one starts it again
        without counting this attempt."""
        await self._held(
            job,
            {
                "$set": {"status": "queued", "rows": 0},
                "$unset": {"claim": "", "lease_until": ""},
                "$inc": {"attempts": -1},
            },
        )

    async def taint_if_running(self, export_id: str) -> bool:
        """Mark a running job as holding a deleted chat (it will not be marked done); True if it runs."""
        result = await self.coll.update_one(
            {"_id": export_id, "status": "running"}, {"$set": {"tainted": True}}
        )
        return result.matched_count == 1

    async def discard_if_done(self, export_id: str, error: str, at: datetime) -> ExportJob | None:
        """Mark a done job ``deleted`` (its file must go); the job as it was, or ``None``."""
        doc = await self.coll.find_one_and_update(
            {"_id": export_id, "status": "done"},
            {"$set": {"status": "deleted", "error": error, "deleted_at": at}},
        )
        return ExportJob.from_doc(doc) if doc else None

    async def expired(self, now: datetime, limit: int = 100) -> list[ExportJob]:
        docs = await self.coll.find({"status": "done", "expires_at": {"$lte": now}}).limit(limit).to_list()
        return [ExportJob.from_doc(d) for d in docs]

    async def mark_expired(self, job: ExportJob) -> bool:
        result = await self.coll.update_one(
            {"_id": job.id, "status": "done"}, {"$set": {"status": "expired"}}
        )
        return result.modified_count == 1

    async def downloaded(self, job: ExportJob, at: datetime) -> None:
        await self.coll.update_one({"_id": job.id, "downloaded_at": None}, {"$set": {"downloaded_at": at}})


CHUNK_BYTES = 255 * 1024
"""GridFS's default chunk size."""


class FileWriter:
    """A GridFS file being written a chunk at a time: each full chunk is stored at once (the driver's
    own writer keeps up to 32 MB of chunks in memory), the file's document when it is closed, so an
    unfinished file is never listed — only chunks a later ``delete`` removes."""

    def __init__(
        self, db: AsyncDatabase[dict[str, Any]], file_id: str, filename: str, metadata: dict[str, Any]
    ) -> None:
        self.files, self.chunks = db[f"{BUCKET}.files"], db[f"{BUCKET}.chunks"]
        self.file_id, self.filename, self.metadata = file_id, filename, metadata
        self.buffer = bytearray()
        self.stored = 0
        self.length = 0

    async def write(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= CHUNK_BYTES:
            await self._store(bytes(self.buffer[:CHUNK_BYTES]))
            del self.buffer[:CHUNK_BYTES]

    async def _store(self, data: bytes) -> None:
        await self.chunks.insert_one({"files_id": self.file_id, "n": self.stored, "data": Binary(data)})
        self.stored += 1
        self.length += len(data)

    async def store_rest(self) -> None:
        """Store what is held as the last chunk (shorter than the others)."""
        if self.buffer:
            await self._store(bytes(self.buffer))
            self.buffer.clear()

    async def close(self) -> None:
        await self.store_rest()
        await self.files.insert_one(
            {
                "_id": self.file_id,
                "length": self.length,
                "chunkSize": CHUNK_BYTES,
                "uploadDate": utcnow(),
                "filename": self.filename,
                "metadata": self.metadata,
            }
        )

    async def abort(self) -> None:
        await self.chunks.delete_many({"files_id": self.file_id})


def spool_id(file_id: str) -> str:
    """The id of the chunks a file's :class:`Spool` writes."""
    return f"{file_id}.spool"


class Spool:
    """What a job writes before it writes its file (a CSV's rows, before its header can be known):
    pieces of bytes stored as the chunks of a file that is never listed (``{file_id}.spool``), read
    back in order, then dropped — held by the database, not in memory or on the local disk."""

    FRAME = 4
    """Bytes of a piece's length before it."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]], file_id: str) -> None:
        self.chunks = db[f"{BUCKET}.chunks"]
        self.writer = FileWriter(db, spool_id(file_id), "", {})

    async def write(self, piece: bytes) -> None:
        await self.writer.write(len(piece).to_bytes(self.FRAME, "big") + piece)

    async def pieces(self) -> AsyncIterator[bytes]:
        """The pieces written, in order (call once everything is written)."""
        await self.writer.store_rest()
        held = bytearray()
        for n in range(self.writer.stored):
            chunk = await self.chunks.find_one({"files_id": self.writer.file_id, "n": n}, {"data": 1})
            if chunk is None:
                raise RuntimeError(f"the spool {self.writer.file_id} lost its chunk {n}")
            held += chunk["data"]
            start = 0
            while len(held) - start >= self.FRAME:
                size = int.from_bytes(held[start : start + self.FRAME], "big")
                if len(held) - start - self.FRAME < size:
                    break
                yield bytes(held[start + self.FRAME : start + self.FRAME + size])
                start += self.FRAME + size
            del held[:start]

    async def drop(self) -> None:
        await self.writer.abort()


class ExportFiles:
    """The export files, in GridFS, by the id their job records."""

    def __init__(self, mongo: Mongo) -> None:
        self.db = mongo.db
        self.bucket = AsyncGridFSBucket(mongo.db, bucket_name=BUCKET)
        mongo.declare_indexes(
            f"{BUCKET}.files", [IndexModel([("filename", ASCENDING), ("uploadDate", ASCENDING)])]
        )
        mongo.declare_indexes(
            f"{BUCKET}.chunks", [IndexModel([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)]
        )

    def create(self, file_id: str, filename: str, metadata: dict[str, Any]) -> FileWriter:
        """A file to write (``write`` bytes, then ``close``; ``abort`` drops what was written)."""
        return FileWriter(self.db, file_id, filename, metadata)

    def spool(self, file_id: str) -> Spool:
        """Where the job writing ``file_id`` keeps what it writes before the file."""
        return Spool(self.db, file_id)

    async def delete(self, file_id: str | None) -> None:
        """Delete the file and its chunks (also the chunks of one whose writer died before closing,
        and of its spool)."""
        if file_id is None:
            return
        with contextlib.suppress(NoFile):
            await self.bucket.delete(file_id)
        await self.db[f"{BUCKET}.chunks"].delete_many({"files_id": spool_id(file_id)})

    async def exists(self, file_id: str) -> bool:
        return await self.bucket.find({"_id": file_id}).limit(1).to_list() != []

    async def chunks(self, file_id: str) -> AsyncIterator[bytes]:
        """The file's bytes, a stored chunk at a time."""
        stream = await self.bucket.open_download_stream(file_id)
        try:
            while chunk := await stream.readchunk():
                yield chunk
        finally:
            await stream.close()


ROW_BUCKETS = 64
"""The chats an export file holds are recorded in this many buckets (by a hash of the chat id)."""


def row_bucket(chat_id: str) -> int:
    """The bucket a chat's id is recorded in, the same in every process."""
    return zlib.crc32(chat_id.encode()) % ROW_BUCKETS


class RowRecorder:
    """Records the chats of one export's file as it is written: a document holds up to ``size`` ids of
    one bucket, found by the bucket and its ids compared (an index entry per chat cost the embedded
    server a fifth of reading the chats); a bucket's ids are held until it has ``size`` of them, or
    :meth:`close`."""

    def __init__(self, coll: AsyncCollection[dict[str, Any]], workspace_id: str, export_id: str, size: int):
        self.coll, self.workspace_id, self.export_id, self.size = coll, workspace_id, export_id, size
        self.held: dict[int, list[str]] = {}
        self.parts: dict[int, int] = {}

    async def add(self, chat_ids: Iterable[str]) -> None:
        for chat_id in chat_ids:
            bucket = row_bucket(chat_id)
            held = self.held.setdefault(bucket, [])
            held.append(chat_id)
            if len(held) >= self.size:
                await self._insert([self._doc(bucket)])

    async def close(self) -> None:
        """Record what is held (in one command)."""
        await self._insert([self._doc(bucket) for bucket in sorted(self.held) if self.held[bucket]])

    def _doc(self, bucket: int) -> dict[str, Any]:
        part = self.parts.get(bucket, 0)
        self.parts[bucket] = part + 1
        chat_ids, self.held[bucket] = self.held[bucket], []
        return {
            "_id": f"{self.export_id}:{bucket}:{part}",
            "export_id": self.export_id,
            "workspace_id": self.workspace_id,
            "bucket": bucket,
            "chat_ids": chat_ids,
        }

    async def _insert(self, docs: list[dict[str, Any]]) -> None:
        if not docs:
            return
        try:
            await self.coll.insert_many(docs, ordered=False)
        except BulkWriteError as exc:  # recorded before (the same insert sent again): only that is fine
            if any(e.get("code") != DUPLICATE_KEY for e in exc.details.get("writeErrors", [])):
                raise


class ExportRows:
    """Which chats each export file holds (see :class:`RowRecorder`), so the files holding a deleted
    chat can be found."""

    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db[ROWS]
        mongo.declare_indexes(
            ROWS,
            [
                IndexModel([("workspace_id", ASCENDING), ("bucket", ASCENDING)]),
                IndexModel([("export_id", ASCENDING)]),
            ],
        )

    def recorder(self, workspace_id: str, export_id: str, size: int = 1000) -> RowRecorder:
        """Where a job writing the export's file records its chats (from the start of each attempt)."""
        return RowRecorder(self.coll, workspace_id, export_id, size)

    async def exports_with(self, workspace_id: str, chat_id: str) -> list[str]:
        query = {"workspace_id": workspace_id, "bucket": row_bucket(chat_id), "chat_ids": chat_id}
        docs = await self.coll.find(query, {"export_id": 1}).to_list()
        return sorted({str(d["export_id"]) for d in docs})

    async def holds_any(self, export_id: str, chat_ids: Sequence[str]) -> bool:
        """Whether the export's file holds any of ``chat_ids``."""
        if not chat_ids:
            return False
        buckets = sorted({row_bucket(c) for c in chat_ids})
        query = {"export_id": export_id, "bucket": {"$in": buckets}, "chat_ids": {"$in": list(chat_ids)}}
        return await self.coll.find_one(query, {"_id": 1}) is not None

    async def forget(self, export_id: str) -> None:
        await self.coll.delete_many({"export_id": export_id})
