"""The teamspace settings agents use while working chats: tags and tag groups, custom field
definitions, canned replies and aliases.

Every user of the workspace may list them; creating, changing and deleting them needs the
``settings`` permission. Other features reach them only through ports wired in ``app.py``: the
repositories' ``tags_by_ids``, ``field_definitions``, ``alias`` and ``canned_reply_by_shortcut``,
and the pure :func:`inbox.catalog.rules.validate_value` for a chat's custom field values. Other
services learn of tags only from their announcements (``inbox.tag.changed.v1``, each change with the
tag's version, through the outbox): the export's ``tag_group`` filter groups tags by them.
"""
