"""A service's copy of the directory: who each user is and what they may do.

The assignment service owns users and announces every change as ``assignment.user.changed.v1``
with the user's whole snapshot and a growing ``version``. Every other service keeps a copy in its
own database (collection ``directory_users``), fed by a durable queue of its own, and reads it on
every authenticated request, so a new role, new teams, new grants or a deactivation take effect on
the user's next request. Snapshots may arrive out of order or twice: a copy keeps the newest.
"""

from __future__ import annotations

from typing import Protocol

from pymongo.errors import DuplicateKeyError

from .bus import Handler
from .contracts import DirectoryUser, Envelope, UserChangedV1
from .mongo import Mongo

COLLECTION = "directory_users"


class Directory(Protocol):
    """Where a service looks a user up to authorise a request."""

    async def user(self, user_id: str) -> DirectoryUser | None: ...


class DirectoryCopy:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db[COLLECTION]

    async def user(self, user_id: str) -> DirectoryUser | None:
        doc = await self.coll.find_one({"_id": user_id}, projection={"_id": 0})
        return DirectoryUser.model_validate(doc) if doc else None

    async def apply(self, user: DirectoryUser) -> bool:
        """Keep ``user`` unless the copy already holds this version or a newer one; True if kept."""
        try:
            result = await self.coll.update_one(
                {"_id": user.id, "version": {"$lt": user.version}},
                {"$set": user.model_dump(mode="json")},
                upsert=True,
            )
        except DuplicateKeyError:  # the copy holds a newer (or the same) version: the upsert found none
            return False
        return result.modified_count > 0 or result.upserted_id is not None


def on_user_changed(copy: DirectoryCopy) -> Handler:
    async def on_user_changed(envelope: Envelope) -> None:
        await copy.apply(envelope.open(UserChangedV1).user)

    return on_user_changed
