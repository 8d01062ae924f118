"""Tests of digest authentication against RFC 7616's published examples."""

from __future__ import annotations

import pytest

from custom_components.hanyang_compound.devices.isapi.digest import DigestAuth, parse_challenge
from custom_components.hanyang_compound.devices.isapi.errors import TerminalAuthError

# RFC 7616 section 3.9.1: user Mufasa, password "Circle of Life", GET /dir/index.html.
RFC_CHALLENGE = (
    'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm={algorithm}, '
    'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", '
    'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
)
RFC_CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"


@pytest.mark.parametrize(
    ("algorithm", "response"),
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_responses_match_the_rfc_examples(algorithm: str, response: str) -> None:
    auth = DigestAuth("Mufasa", "Circle of Life")
    auth.accept_challenge(RFC_CHALLENGE.format(algorithm=algorithm))

    header = auth.authorization("GET", "/dir/index.html", cnonce=RFC_CNONCE)

    assert f'response="{response}"' in header
    assert "nc=00000001" in header
    assert 'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"' in header
    assert "qop=auth," in header
    assert auth.authorization("GET", "/", cnonce=RFC_CNONCE).count("nc=00000002") == 1


def test_session_variant_and_challenges_without_qop() -> None:
    auth = DigestAuth("admin", "secret")
    auth.accept_challenge('Digest realm="r", nonce="n", algorithm=MD5-sess, qop="auth"')
    assert "algorithm=MD5-sess" in auth.authorization("GET", "/", cnonce="c")

    # RFC 2069 style: no qop, so no nc or cnonce either.
    auth.accept_challenge('Digest realm="r", nonce="n"')
    header = auth.authorization("GET", "/")
    assert "nc=" not in header
    assert "cnonce" not in header


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ('Basic realm="r"', "not digest"),
        ('Digest realm="r"', "lacks a realm or nonce"),
        ('Digest realm="r", nonce="n", algorithm=SHA-512-256', "unsupported digest algorithm"),
        ('Digest realm="r", nonce="n", qop="auth-int"', "unsupported digest qop"),
    ],
)
def test_unusable_challenges_are_auth_errors(header: str, message: str) -> None:
    with pytest.raises(TerminalAuthError, match=message):
        DigestAuth("admin", "secret").accept_challenge(header)


def test_escaped_quotes_in_challenges_and_no_challenge_yet() -> None:
    assert parse_challenge(r'Digest realm="a \"b\"", nonce=abc')["realm"] == 'a "b"'
    with pytest.raises(TerminalAuthError, match="no digest challenge"):
        DigestAuth("admin", "secret").authorization("GET", "/")
