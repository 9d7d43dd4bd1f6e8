"""Reading a person with their chats."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from livechat_shared.auth import Principal, Role

from ..core.models import Chat, Person, display_name
from ..errors import PersonNotFound
from .schemas import PersonView


class People(Protocol):
    async def person(self, workspace_id: str, person_id: str) -> Person | None: ...

    async def visible_chats(self, user: Principal, person_id: str) -> list[Chat]: ...


@dataclass
class PeopleUseCases:
    people: People

    async def read(self, user: Principal, person_id: str) -> PersonView:
        """The person, for a user who may see one of their chats (an admin: anyone of the
        workspace); anyone else gets :class:`PersonNotFound`, as for a person who does not exist."""
        person = await self.people.person(user.workspace_id, person_id)
        if person is None:
            raise PersonNotFound()
        chats = await self.people.visible_chats(user, person_id)
        if not chats and user.role is not Role.ADMIN:
            raise PersonNotFound()
        return PersonView(
            id=person.id,
            workspace_id=person.workspace_id,
            app_id=person.app_id,
            channel=person.channel,
            external_id=person.external_id,
            name=display_name(person.name),
            language=person.language,
            created_at=person.created_at,
            last_seen_at=person.last_seen_at,
            chats=[c.snapshot() for c in chats],
        )
