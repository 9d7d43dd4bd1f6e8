"""Listing and changing a teamspace's tags, tag groups, custom fields, canned replies and aliases.

Every user of the workspace may list them (``rules.may_read``); every change needs the
``settings`` permission (``rules.may_change``), checked before anything is looked up. Everything
is read and written within the caller's workspace: another workspace's settings do not exist here.
A tag joins a group, and a group is deleted, in one transaction that writes the group, so a tag
never ends in a group deleted at the same moment.

Every change of a tag — created, renamed, recoloured, moved into, out of or between groups (also
by the deletion of its group), deleted — is announced (``inbox.tag.changed.v1``, with the tag's new
version) through the outbox in the transaction that makes it, so the services that filter chats by
tag group (the export) know the same groups as the table here, never a change that did not commit.
:meth:`CatalogUseCases.republish_tags` announces every tag again, for a copy that is new or lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from livechat_shared.auth import Principal
from livechat_shared.contracts import Envelope
from livechat_shared.ids import new_id, utcnow
from livechat_shared.pagination import Page, PageParams
from livechat_shared.requests import Patch
from livechat_shared.writer import Change, Session, Writer

from ..errors import (
    DuplicateSetting,
    ImmutableField,
    SettingNotFound,
    SettingsForbidden,
    UnknownField,
    UnknownTagGroup,
)
from .repository import Taken
from .rules import (
    changed_fixed_fields,
    field_options,
    may_change,
    may_read,
    new_options,
    tag_changed,
    validate_value,
)
from .schemas import (
    Alias,
    AliasCreate,
    AliasUpdate,
    CannedReply,
    CannedReplyCreate,
    CannedReplyUpdate,
    CustomFieldCreate,
    CustomFieldDefinition,
    CustomFieldUpdate,
    Setting,
    Tag,
    TagCreate,
    TagGroup,
    TagGroupCreate,
    TagGroupUpdate,
    TagUpdate,
)

E = TypeVar("E", bound=Setting)


class SettingStore(Protocol[E]):
    """One kind of setting, each in one workspace (see ``repository.SettingRepository``)."""

    async def add(self, item: E, session: Session | None = None) -> None:
        """Store a new setting; raises ``Taken`` when its unique key is taken."""

    async def get(self, workspace_id: str, item_id: str, session: Session | None = None) -> E | None: ...

    async def page(
        self, workspace_id: str, teamspace_id: str | None, skip: int, limit: int
    ) -> tuple[list[E], int]: ...

    async def update(
        self, workspace_id: str, item_id: str, changes: Mapping[str, Any], session: Session | None = None
    ) -> E | None:
        """Set ``changes``; ``None`` when there is no such setting; raises ``Taken`` on a clash."""

    async def delete(self, workspace_id: str, item_id: str, session: Session | None = None) -> bool: ...


class TagStore(SettingStore[Tag], Protocol):
    """Tags; each change of one (``update``, ``ungroup``) is a new version of it."""

    async def remove(self, workspace_id: str, tag_id: str, session: Session) -> Tag | None:
        """Delete the tag; the tag as it was, ``None`` when there is none."""

    async def ungroup(
        self, workspace_id: str, group_id: str, changes: Mapping[str, Any], session: Session
    ) -> list[Tag]:
        """Take every tag out of the group (setting ``changes`` too); the tags as they are now."""

    async def after(self, last_id: str | None, limit: int) -> list[Tag]:
        """Tags of every workspace in id order, after ``last_id``."""


class TagGroupStore(SettingStore[TagGroup], Protocol):
    async def hold(self, workspace_id: str, teamspace_id: str, group_id: str, session: Session) -> bool:
        """Write the group in the transaction (a concurrent deletion conflicts); False if absent."""


@dataclass(frozen=True)
class Kind:
    """How a kind of setting is named in answers, and the field it is unique by in a teamspace."""

    name: str
    unique: str | None = None

    def missing(self) -> SettingNotFound:
        return SettingNotFound(f"{self.name} not found")

    def taken(self, fields: Mapping[str, Any]) -> DuplicateSetting:
        field = self.unique or "id"
        return DuplicateSetting(
            f"this teamspace already has a {self.name} with the {field} {fields.get(field)!r}", field=field
        )


TAG = Kind("tag", "name")
TAG_GROUP = Kind("tag group", "name")
CUSTOM_FIELD = Kind("custom field", "key")
CANNED_REPLY = Kind("canned reply", "shortcut")
ALIAS = Kind("alias")


def now() -> datetime:
    """The current time as the database keeps it (milliseconds), so what a write answers is what
    a later read shows."""
    at = utcnow()
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


REPUBLISH_BATCH = 500
"""Tags announced together (one transaction) by :meth:`CatalogUseCases.republish_tags`."""


def _announced(tag: Tag, *, deleted: bool = False) -> Envelope:
    return Envelope.wrap(tag_changed(tag, deleted=deleted), workspace_id=tag.workspace_id)


def _require_reader(user: Principal) -> None:
    if not may_read(user):
        raise SettingsForbidden("reading the teamspace's settings needs the view permission")


def _require_editor(user: Principal) -> None:
    if not may_change(user):
        raise SettingsForbidden()


@dataclass(frozen=True)
class CatalogUseCases:
    tags: TagStore
    tag_groups: TagGroupStore
    fields: SettingStore[CustomFieldDefinition]
    canned_replies: SettingStore[CannedReply]
    aliases: SettingStore[Alias]
    writer: Writer
    """Tags' changes commit with their announcements (the outbox)."""

    # --- the same steps for every kind ----------------------------------------------------------

    async def _page(
        self, store: SettingStore[E], user: Principal, teamspace_id: str | None, paging: PageParams
    ) -> Page[E]:
        _require_reader(user)
        items, total = await store.page(user.workspace_id, teamspace_id, paging.skip, paging.page_size)
        return Page(items=items, total=total, page=paging.page, page_size=paging.page_size)

    @staticmethod
    async def _add(store: SettingStore[E], kind: Kind, item: E, session: Session | None = None) -> E:
        try:
            await store.add(item, session)
        except Taken as exc:
            raise kind.taken(item.model_dump()) from exc
        return item

    @staticmethod
    async def _update(
        store: SettingStore[E],
        kind: Kind,
        user: Principal,
        item_id: str,
        changes: Mapping[str, Any],
        session: Session | None = None,
    ) -> E:
        """Apply ``changes`` (with a new ``updated_at``); with none, the setting as it is."""
        try:
            found = (
                await store.update(user.workspace_id, item_id, {**changes, "updated_at": now()}, session)
                if changes
                else await store.get(user.workspace_id, item_id, session)
            )
        except Taken as exc:
            raise kind.taken(changes) from exc
        if found is None:
            raise kind.missing()
        return found

    async def _change(
        self, store: SettingStore[E], kind: Kind, user: Principal, item_id: str, body: Patch
    ) -> E:
        _require_editor(user)
        return await self._update(store, kind, user, item_id, body.changes())

    async def _delete(self, store: SettingStore[E], kind: Kind, user: Principal, item_id: str) -> None:
        _require_editor(user)
        if not await store.delete(user.workspace_id, item_id):
            raise kind.missing()

    async def _in_group(self, user: Principal, teamspace_id: str, group_id: str, session: Session) -> None:
        if not await self.tag_groups.hold(user.workspace_id, teamspace_id, group_id, session):
            raise UnknownTagGroup()

    # --- tag groups -----------------------------------------------------------------------------

    async def list_tag_groups(
        self, user: Principal, teamspace_id: str | None, paging: PageParams
    ) -> Page[TagGroup]:
        return await self._page(self.tag_groups, user, teamspace_id, paging)

    async def create_tag_group(self, user: Principal, body: TagGroupCreate) -> TagGroup:
        _require_editor(user)
        at = now()
        group = TagGroup(
            id=new_id(),
            workspace_id=user.workspace_id,
            teamspace_id=body.teamspace_id,
            name=body.name,
            created_at=at,
            updated_at=at,
        )
        return await self._add(self.tag_groups, TAG_GROUP, group)

    async def update_tag_group(self, user: Principal, group_id: str, body: TagGroupUpdate) -> TagGroup:
        return await self._change(self.tag_groups, TAG_GROUP, user, group_id, body)

    async def delete_tag_group(self, user: Principal, group_id: str) -> None:
        """Delete the group; its tags stay, ungrouped (each change announced)."""
        _require_editor(user)

        async def work(session: Session) -> Change[None]:
            if not await self.tag_groups.delete(user.workspace_id, group_id, session):
                raise TAG_GROUP.missing()
            ungrouped = await self.tags.ungroup(user.workspace_id, group_id, {"updated_at": now()}, session)
            return Change(None, [_announced(tag) for tag in ungrouped])

        await self.writer.write(work)

    # --- tags -----------------------------------------------------------------------------------

    async def list_tags(self, user: Principal, teamspace_id: str | None, paging: PageParams) -> Page[Tag]:
        return await self._page(self.tags, user, teamspace_id, paging)

    async def create_tag(self, user: Principal, body: TagCreate) -> Tag:
        """A new tag (version 1), in a group of its teamspace when ``group_id`` names one."""
        _require_editor(user)
        at = now()
        tag = Tag(
            id=new_id(),
            workspace_id=user.workspace_id,
            teamspace_id=body.teamspace_id,
            name=body.name,
            colour=body.colour,
            group_id=body.group_id,
            created_at=at,
            updated_at=at,
            version=1,
        )
        group_id = tag.group_id

        async def work(session: Session) -> Change[Tag]:
            if group_id is not None:
                await self._in_group(user, tag.teamspace_id, group_id, session)
            made = await self._add(self.tags, TAG, tag, session)
            return Change(made, [_announced(made)])

        return await self.writer.write(work)

    async def update_tag(self, user: Principal, tag_id: str, body: TagUpdate) -> Tag:
        """Rename, recolour, or move the tag to a group of its teamspace (``group_id: null``
        ungroups it)."""
        _require_editor(user)
        changes = body.changes()
        if not changes:  # nothing changes: nothing to announce
            return await self._update(self.tags, TAG, user, tag_id, changes)
        group_id = changes.get("group_id")

        async def work(session: Session) -> Change[Tag]:
            if group_id is not None:
                tag = await self.tags.get(user.workspace_id, tag_id, session)
                if tag is None:
                    raise TAG.missing()
                await self._in_group(user, tag.teamspace_id, group_id, session)
            changed = await self._update(self.tags, TAG, user, tag_id, changes, session)
            return Change(changed, [_announced(changed)])

        return await self.writer.write(work)

    async def delete_tag(self, user: Principal, tag_id: str) -> None:
        _require_editor(user)

        async def work(session: Session) -> Change[None]:
            gone = await self.tags.remove(user.workspace_id, tag_id, session)
            if gone is None:
                raise TAG.missing()
            return Change(None, [_announced(gone, deleted=True)])

        await self.writer.write(work)

    async def republish_tags(self, batch: int = REPUBLISH_BATCH) -> int:
        """Announce every tag of every workspace again, as it is now; returns how many.

        Run at start-up, so a copy that is new (a service added, or tags stored before they were
        announced) or was lost catches up. Harmless for the copies: each keeps the newest version it
        has seen, so the same version again changes nothing. Several replicas starting together each
        announce everything once."""
        announced, last_id = 0, None
        while tags := await self.tags.after(last_id, batch):
            events = [_announced(tag) for tag in tags]

            async def work(_session: Session, events: list[Envelope] = events) -> Change[None]:
                return Change(None, events)

            await self.writer.write(work)
            announced += len(tags)
            last_id = tags[-1].id
        return announced

    # --- custom fields --------------------------------------------------------------------------

    async def list_custom_fields(
        self, user: Principal, teamspace_id: str | None, paging: PageParams
    ) -> Page[CustomFieldDefinition]:
        return await self._page(self.fields, user, teamspace_id, paging)

    async def create_custom_field(self, user: Principal, body: CustomFieldCreate) -> CustomFieldDefinition:
        """A new field; its key, type and default are fixed from now on."""
        _require_editor(user)
        at = now()
        definition = CustomFieldDefinition(
            id=new_id(),
            workspace_id=user.workspace_id,
            teamspace_id=body.teamspace_id,
            key=body.key,
            name=body.name,
            description=body.description,
            type=body.type,
            options=field_options(body.type, body.options),
            created_at=at,
            updated_at=at,
        )
        definition = definition.model_copy(update={"default": validate_value(definition, body.default)})
        return await self._add(self.fields, CUSTOM_FIELD, definition)

    async def update_custom_field(
        self, user: Principal, field_id: str, body: CustomFieldUpdate
    ) -> CustomFieldDefinition:
        """Rename, describe, or change a dropdown's options (keeping its default); a change of the
        key, type or default is refused."""
        _require_editor(user)
        definition = await self.fields.get(user.workspace_id, field_id)
        if definition is None:
            raise CUSTOM_FIELD.missing()
        fixed = changed_fixed_fields(definition, body.fixed())
        if fixed:
            raise ImmutableField(
                f"{' and '.join(fixed)} of a custom field cannot change after it is created", fields=fixed
            )
        changes = body.changes()
        if "options" in changes:
            changes["options"] = new_options(definition, changes["options"])
        return await self._update(self.fields, CUSTOM_FIELD, user, field_id, changes)

    async def delete_custom_field(self, user: Principal, field_id: str) -> None:
        await self._delete(self.fields, CUSTOM_FIELD, user, field_id)

    # --- canned replies -------------------------------------------------------------------------

    async def list_canned_replies(
        self, user: Principal, teamspace_id: str | None, paging: PageParams
    ) -> Page[CannedReply]:
        return await self._page(self.canned_replies, user, teamspace_id, paging)

    async def create_canned_reply(self, user: Principal, body: CannedReplyCreate) -> CannedReply:
        _require_editor(user)
        at = now()
        reply = CannedReply(
            id=new_id(),
            workspace_id=user.workspace_id,
            teamspace_id=body.teamspace_id,
            shortcut=body.shortcut,
            title=body.title,
            body=body.body,
            created_at=at,
            updated_at=at,
        )
        return await self._add(self.canned_replies, CANNED_REPLY, reply)

    async def update_canned_reply(
        self, user: Principal, reply_id: str, body: CannedReplyUpdate
    ) -> CannedReply:
        return await self._change(self.canned_replies, CANNED_REPLY, user, reply_id, body)

    async def delete_canned_reply(self, user: Principal, reply_id: str) -> None:
        await self._delete(self.canned_replies, CANNED_REPLY, user, reply_id)

    # --- aliases --------------------------------------------------------------------------------

    async def list_aliases(
        self, user: Principal, teamspace_id: str | None, paging: PageParams
    ) -> Page[Alias]:
        return await self._page(self.aliases, user, teamspace_id, paging)

    async def create_alias(self, user: Principal, body: AliasCreate) -> Alias:
        _require_editor(user)
        at = now()
        alias = Alias(
            id=new_id(),
            workspace_id=user.workspace_id,
            teamspace_id=body.teamspace_id,
            name=body.name,
            avatar_url=body.avatar_url,
            created_at=at,
            updated_at=at,
        )
        return await self._add(self.aliases, ALIAS, alias)

    async def update_alias(self, user: Principal, alias_id: str, body: AliasUpdate) -> Alias:
        return await self._change(self.aliases, ALIAS, user, alias_id, body)

    async def delete_alias(self, user: Principal, alias_id: str) -> None:
        await self._delete(self.aliases, ALIAS, user, alias_id)


class FieldDefinitions(Protocol):
    async def field_definitions(
        self, workspace_id: str, teamspace_id: str
    ) -> list[CustomFieldDefinition]: ...


@dataclass
class FieldValueChecker:
    """Custom-field values of a chat checked against its teamspace's definitions (the port the chats
    feature changes fields through, wired in ``app.py``)."""

    fields: FieldDefinitions

    async def validate(
        self, workspace_id: str, teamspace_id: str, values: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The values as stored (``None``: clear the field); :class:`UnknownField` for a key the
        teamspace does not define, :class:`InvalidFieldValue` for a value of the wrong kind."""
        definitions = {d.key: d for d in await self.fields.field_definitions(workspace_id, teamspace_id)}
        checked: dict[str, Any] = {}
        for key, value in values.items():
            definition = definitions.get(key)
            if definition is None:
                raise UnknownField(f"the teamspace has no custom field {key!r}")
            checked[key] = validate_value(definition, value)
        return checked
