"""Attachment files in the inbox's database (GridFS bucket ``attachments``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile
from livechat_shared.mongo import Mongo


@dataclass(frozen=True)
class StoredFile:
    id: str
    content_type: str
    name: str
    size: int
    metadata: dict[str, Any]


class AttachmentFiles:
    def __init__(self, mongo: Mongo) -> None:
        self.bucket = AsyncGridFSBucket(mongo.db, bucket_name="attachments")

    async def store(self, file_id: str, name: str, data: bytes, metadata: dict[str, Any]) -> None:
        await self.bucket.upload_from_stream_with_id(file_id, name, data, metadata=metadata)

    async def find(self, file_id: str) -> StoredFile | None:
        try:
            stream = await self.bucket.open_download_stream(file_id)
        except NoFile:
            return None
        metadata = dict(stream.metadata or {})
        return StoredFile(
            id=file_id,
            content_type=str(metadata.get("content_type", "application/octet-stream")),
            name=str(stream.filename or file_id),
            size=int(stream.length),
            metadata=metadata,
        )

    async def chunks(self, file_id: str) -> AsyncIterator[bytes]:
        """The file's bytes, a GridFS chunk (255 KiB) at a time: constant memory whatever its size."""
        stream = await self.bucket.open_download_stream(file_id)
        while chunk := await stream.readchunk():
            yield chunk
