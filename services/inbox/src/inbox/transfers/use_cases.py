"""Transferring a chat to an agent or a team: the chat changes hands, its history says who moved it
where, and the assignment service learns of it (for a team, to pick a member)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from livechat_shared.auth import Principal
from livechat_shared.contracts import Author, ChatSnapshot, ChatTransferredV1, DirectoryUser, Envelope
from livechat_shared.ids import utcnow
from livechat_shared.writer import Change, RaceLost, Writer
from pymongo.asynchronous.client_session import AsyncClientSession

from ..core.access import visible_chat
from ..core.announce import message_created, placement_changed
from ..core.models import Chat, Message, next_message
from ..errors import TransferForbidden, UnknownAgent, UnknownTeam
from .rules import may_transfer, system_text, to_agent, to_team
from .schemas import TransferRequest

Session = AsyncClientSession


class Chats(Protocol):
    async def get(self, chat_id: str, session: Session | None = None) -> Chat | None: ...

    async def update(
        self, chat: Chat, changes: dict[str, Any], session: Session, *, texts: Sequence[str] = ()
    ) -> Chat | None: ...


class Messages(Protocol):
    async def insert(self, message: Message, session: Session) -> None: ...


class Staff(Protocol):
    async def user(self, user_id: str) -> DirectoryUser | None: ...

    async def team_has_members(self, workspace_id: str, team_id: str) -> bool: ...


@dataclass
class TransferUseCases:
    chats: Chats
    messages: Messages
    staff: Staff
    writer: Writer

    async def transfer(
        self, user: Principal, chat_id: str, request: TransferRequest, *, correlation_id: str | None = None
    ) -> ChatSnapshot:
        """Move the chat (its assignee, or the transfer permission); raises :class:`UnknownAgent` /
        :class:`UnknownTeam` for a target that is not an active user / team of the workspace."""

        async def work(session: Session) -> Change[ChatSnapshot]:
            chat = await visible_chat(self.chats, user, chat_id, session)
            if not may_transfer(user, chat):
                raise TransferForbidden()
            agent = await self._agent(user, request.agent_id) if request.agent_id else None
            if request.team_id and not await self.staff.team_has_members(user.workspace_id, request.team_id):
                raise UnknownTeam()
            changes = to_agent(chat, agent.id) if agent else to_team(str(request.team_id))
            now = utcnow()
            by = user.name or user.user_id
            text = system_text(by, agent=(agent.name or agent.id) if agent else None, team=request.team_id)
            updated = await self.chats.update(chat, {**changes, "updated_at": now}, session, texts=[text])
            if updated is None:
                raise RaceLost()
            message = next_message(
                updated,
                Author(type="system", id=user.user_id, name=by),
                text=text,
                attachments=(),
                created_at=now,
            )
            await self.messages.insert(message, session)
            events = message_created(updated, message, cause=None, correlation_id=correlation_id, before=chat)
            transferred = ChatTransferredV1(
                chat_version=updated.version,
                teamspace_id=updated.teamspace_id,
                from_assignee_id=chat.assignee_id,
                to_agent_id=agent.id if agent else None,
                to_team_id=request.team_id,
                by=user.user_id,
            )
            events.append(
                Envelope.wrap(
                    transferred,
                    workspace_id=updated.workspace_id,
                    chat_id=updated.id,
                    correlation_id=correlation_id,
                )
            )
            moved = placement_changed(chat, updated, correlation_id=correlation_id)
            events += [moved] if moved is not None else []
            return Change(updated.snapshot(), events)

        return await self.writer.write(work)

    async def _agent(self, user: Principal, agent_id: str) -> DirectoryUser:
        agent = await self.staff.user(agent_id)
        if agent is None or not agent.active or agent.workspace_id != user.workspace_id:
            raise UnknownAgent()
        return agent
