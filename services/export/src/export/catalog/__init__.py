"""The export service's copy of the inbox's tags and the tag group each is in (``tags``), kept from
``inbox.tag.changed.v1`` on the ordered queue ``export.catalog``, so an export's ``tag_group`` filter
names the tags the inbox's table would (it never reads the inbox's collections). Other features reach
it only through the port wired in ``app.py``: :meth:`TagCopy.ids_in_groups`.
"""
