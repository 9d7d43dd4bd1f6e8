"""Secrets handed out once and the digests stored in their place."""

from __future__ import annotations

from ingest.core.tokens import digest, new_secret


def test_digest_is_stable_and_hides_the_input() -> None:
    secret = new_secret()
    assert digest(secret) == digest(secret)
    assert digest(secret) != secret
    assert secret not in digest(secret)
    assert len(digest(secret)) == 64
    int(digest(secret), 16)  # hex
    assert digest(secret) != digest(secret + "x")
    assert digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # sha-256


def test_new_secrets_are_long_and_distinct() -> None:
    secrets = {new_secret() for _ in range(100)}
    assert len(secrets) == 100
    assert all(len(s) >= 43 for s in secrets)
