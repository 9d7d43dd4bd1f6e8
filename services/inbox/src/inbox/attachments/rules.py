"""Pure rules of attachments: which files are accepted, how each is served, and the signed link."""

from __future__ import annotations

import hashlib
import hmac
import re

import filetype

from ..errors import AttachmentRefused

INLINE = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
"""Shown in the browser (images only); everything else is served as a download."""
SNIFFED = INLINE | {"application/pdf", "audio/mpeg", "audio/ogg", "video/mp4", "video/webm"}
"""Types recognised by their content: the declared type must be what the bytes are."""
TEXT = "text/plain"
ALLOWED = SNIFFED | {TEXT}
NAME = re.compile(r"[^A-Za-z0-9._ ()-]+")


def accepted_type(declared: str, head: bytes) -> str:
    """The file's type: the declared one, when the bytes are that; raises :class:`AttachmentRefused`
    for a type not on the list (executables, HTML, SVG, archives …) or bytes of another type."""
    declared = declared.split(";")[0].strip().lower()
    if declared not in ALLOWED:
        raise AttachmentRefused(f"files of type {declared or 'unknown'!r} are not accepted")
    if declared == TEXT:
        if b"\x00" in head or filetype.guess(head) is not None:
            raise AttachmentRefused("the file is not plain text")
        return TEXT
    kind = filetype.guess(head)
    if kind is None or kind.mime != declared:
        raise AttachmentRefused(f"the file's content is not {declared}")
    return declared


def safe_name(name: str | None, content_type: str) -> str:
    """A file name safe in a header: letters, digits and ``._ ()-``, at most 100 characters."""
    cleaned = NAME.sub("_", (name or "").strip())[:100].strip("._ ")
    return cleaned or f"attachment.{content_type.rsplit('/', 1)[-1]}"


def disposition(content_type: str, name: str) -> str:
    """``inline`` for images, ``attachment`` for anything else: nothing but an image is ever shown."""
    how = "inline" if content_type in INLINE else "attachment"
    return f'{how}; filename="{name}"'


def signature(secret: str, attachment_id: str, expires: int) -> str:
    return hmac.new(secret.encode(), f"{attachment_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def link_valid(secret: str, attachment_id: str, expires: int, given: str, now: float) -> bool:
    """A signed link is good until ``expires`` (epoch seconds) with its exact signature."""
    return expires >= now and hmac.compare_digest(signature(secret, attachment_id, expires), given)
