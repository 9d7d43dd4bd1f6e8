"""Which files are accepted, how each is served, and the signed link."""

from __future__ import annotations

import pytest
from inbox.attachments.rules import accepted_type, disposition, link_valid, safe_name, signature
from inbox.errors import AttachmentRefused

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
HTML = b"<!doctype html><script>alert(1)</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("declared", "data", "expected"),
    [
        ("image/png", PNG, "image/png"),
        ("IMAGE/PNG; charset=binary", PNG, "image/png"),
        ("application/pdf", PDF, "application/pdf"),
        ("text/plain", "Grüße, order 48213\n".encode(), "text/plain"),
    ],
)
def test_accepted_files(declared: str, data: bytes, expected: str) -> None:
    assert accepted_type(declared, data) == expected


@pytest.mark.parametrize(
    ("declared", "data"),
    [
        ("text/html", HTML),  # not on the list
        ("image/svg+xml", SVG),  # scriptable
        ("application/x-msdownload", b"MZ\x90\x00"),
        ("application/octet-stream", PNG),
        ("", PNG),
        ("image/png", HTML),  # the bytes are not what is declared
        ("image/jpeg", PNG),
        ("text/plain", PNG),  # a binary file declared as text
        ("text/plain", b"abc\x00def"),
    ],
)
def test_refused_files(declared: str, data: bytes) -> None:
    with pytest.raises(AttachmentRefused):
        accepted_type(declared, data)


def test_names_and_how_each_type_is_served() -> None:
    assert safe_name('../../etc/"passwd"\r\n.png', "image/png") == "etc_passwd_.png"
    assert safe_name(None, "application/pdf") == "attachment.pdf"
    assert safe_name("x" * 300, "text/plain") == "x" * 100
    assert disposition("image/png", "a.png") == 'inline; filename="a.png"'
    assert disposition("application/pdf", "a.pdf") == 'attachment; filename="a.pdf"'
    assert disposition("text/plain", "a.txt") == 'attachment; filename="a.txt"'


def test_a_link_is_good_until_it_expires_with_its_exact_signature() -> None:
    sig = signature("secret", "att-1", 1000)
    assert link_valid("secret", "att-1", 1000, sig, now=999)
    assert link_valid("secret", "att-1", 1000, sig, now=1000)
    assert not link_valid("secret", "att-1", 1000, sig, now=1001)
    assert not link_valid("secret", "att-2", 1000, sig, now=999)
    assert not link_valid("secret", "att-1", 2000, sig, now=999)  # a later expiry needs its own signature
    assert not link_valid("other", "att-1", 1000, sig, now=999)
