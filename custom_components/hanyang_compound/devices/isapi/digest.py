"""HTTP digest access authentication (RFC 7616) for the client side, with MD5 and SHA-256."""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import os
import re

from .errors import TerminalAuthError

_HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}
_PARAM = re.compile(r'\s*([a-zA-Z0-9_-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^,\s]*)\s*,?')


def _unquote(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def parse_challenge(header: str) -> dict[str, str]:
    """Return the parameters of a `WWW-Authenticate: Digest ...` header, names lower-cased."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "digest":
        raise TerminalAuthError(
            f"the terminal asks for {scheme or 'no'} authentication, not digest"
        )
    params: dict[str, str] = {}
    for match in _PARAM.finditer(rest):
        quoted = match.group(3)
        params[match.group(1).lower()] = _unquote(quoted) if quoted is not None else match.group(2)
    if "nonce" not in params or "realm" not in params:
        raise TerminalAuthError("the digest challenge lacks a realm or nonce")
    return params


@dataclass(slots=True)
class _Challenge:
    realm: str
    nonce: str
    opaque: str | None
    algorithm: str
    session: bool
    qop_auth: bool


class DigestAuth:
    """Answers digest challenges for one user, counting nonce uses (nc) as RFC 7616 asks."""

    def __init__(self, username: str, password: str) -> None:
        """Hold the credentials; nothing is sent until a challenge arrives."""
        self.username = username
        self._password = password
        self._challenge: _Challenge | None = None
        self._nonce_count = 0

    @property
    def has_challenge(self) -> bool:
        """Whether a challenge was received, so requests can authenticate pre-emptively."""
        return self._challenge is not None

    def accept_challenge(self, header: str) -> None:
        """Remember a server's challenge (a 401's WWW-Authenticate header)."""
        params = parse_challenge(header)
        algorithm = params.get("algorithm", "MD5").upper()
        session = algorithm.endswith("-SESS")
        base = algorithm.removesuffix("-SESS")
        if base not in _HASHES:
            raise TerminalAuthError(f"unsupported digest algorithm {algorithm}")
        qops = {qop.strip() for qop in params.get("qop", "").split(",") if qop.strip()}
        if qops and "auth" not in qops:
            raise TerminalAuthError(f"unsupported digest qop {params['qop']}")
        self._challenge = _Challenge(
            realm=params["realm"],
            nonce=params["nonce"],
            opaque=params.get("opaque"),
            algorithm=base,
            session=session,
            qop_auth="auth" in qops,
        )
        self._nonce_count = 0

    def authorization(self, method: str, uri: str, *, cnonce: str | None = None) -> str:
        """Return the Authorization header for a request, using the last challenge."""
        challenge = self._challenge
        if challenge is None:
            raise TerminalAuthError("no digest challenge received yet")
        self._nonce_count += 1
        nc = f"{self._nonce_count:08x}"
        cnonce = cnonce or os.urandom(16).hex()
        algorithm_name = challenge.algorithm + ("-sess" if challenge.session else "")

        def hash_hex(text: str) -> str:
            return _HASHES[challenge.algorithm](text.encode()).hexdigest()

        ha1 = hash_hex(f"{self.username}:{challenge.realm}:{self._password}")
        if challenge.session:
            ha1 = hash_hex(f"{ha1}:{challenge.nonce}:{cnonce}")
        ha2 = hash_hex(f"{method}:{uri}")
        if challenge.qop_auth:
            response = hash_hex(f"{ha1}:{challenge.nonce}:{nc}:{cnonce}:auth:{ha2}")
        else:
            response = hash_hex(f"{ha1}:{challenge.nonce}:{ha2}")
        fields = [
            f'username="{self.username}"',
            f'realm="{challenge.realm}"',
            f'uri="{uri}"',
            f"algorithm={algorithm_name}",
            f'nonce="{challenge.nonce}"',
        ]
        if challenge.qop_auth:
            fields += [f"nc={nc}", f'cnonce="{cnonce}"', "qop=auth"]
        fields.append(f'response="{response}"')
        if challenge.opaque is not None:
            fields.append(f'opaque="{challenge.opaque}"')
        return "Digest " + ", ".join(fields)
