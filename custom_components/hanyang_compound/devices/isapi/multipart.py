"""Incremental reader of the never-ending multipart alert stream, tolerant of real firmware's quirks.

It survives what field reports describe: parts without Content-Type, parts without headers,
wrong Content-Length, bogus repeated boundary lines, garbage between parts and oversized parts.
Each unreadable stretch becomes one MalformedPartError in the output, and reading resumes at
the next boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, auto
import json

from .errors import MalformedPartError

DEFAULT_MAX_PART_SIZE = 2 * 1024 * 1024
_JSON_DECODER = json.JSONDecoder()


@dataclass(frozen=True, slots=True)
class Part:
    """One part of the stream: its headers (names lower-cased) and its body."""

    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def content_type(self) -> str:
        """The part's media type without parameters, lower-cased; empty if it has none."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class _State(Enum):
    SEEK = auto()
    HEADERS = auto()
    BODY = auto()


type ParsedItem = Part | MalformedPartError


class MultipartParser:
    """Feed it bytes as they arrive; it returns every part completed so far, or an error per bad stretch."""

    def __init__(self, boundary: str, *, max_part_size: int = DEFAULT_MAX_PART_SIZE) -> None:
        """Read parts delimited by --boundary lines."""
        self._delimiter = b"--" + boundary.strip().strip('"').encode()
        self._max_part_size = max_part_size
        self._buffer = bytearray()
        self._state = _State.SEEK
        self._headers: dict[str, str] = {}
        self._length: int | None = None
        self._scan_from = 0
        self._junk_seen = False

    def feed(self, data: bytes) -> list[ParsedItem]:
        """Add received bytes; return the parts (and errors) they completed, in stream order."""
        self._buffer += data
        out: list[ParsedItem] = []
        while self._step(out):
            pass
        return out

    def close(self) -> list[ParsedItem]:
        """Report an unfinished part, if any, as malformed: the stream has ended."""
        out: list[ParsedItem] = []
        if self._buffer.strip() or self._state is _State.BODY or self._headers:
            out.append(MalformedPartError("the stream ended in the middle of a part"))
        self._buffer.clear()
        self._headers = {}
        self._state = _State.SEEK
        return out

    # Each step consumes what it can and returns whether another step may make progress.
    def _step(self, out: list[ParsedItem]) -> bool:
        if self._state is _State.SEEK:
            return self._seek(out)
        if self._state is _State.HEADERS:
            return self._read_header_line(out)
        return self._read_body(out)

    def _find_delimiter_line(self, start: int) -> tuple[int, int] | None:
        """Return (start, end of line) of the first complete delimiter line at or after start."""
        buffer = self._buffer
        index = buffer.find(self._delimiter, start)
        while index != -1:
            if index == 0 or buffer[index - 1] == ord("\n"):
                line_end = buffer.find(b"\n", index)
                if line_end == -1:
                    return None  # the delimiter's line is not complete yet
                rest = bytes(buffer[index + len(self._delimiter) : line_end]).strip()
                if rest in (b"", b"--"):
                    return index, line_end + 1
            index = buffer.find(self._delimiter, index + 1)
        return None

    def _seek(self, out: list[ParsedItem]) -> bool:
        found = self._find_delimiter_line(0)
        if found is None:
            # Keep only what could still be the start of a delimiter line.
            keep = len(self._delimiter) + 4
            if len(self._buffer) > keep:
                dropped = self._buffer[:-keep]
                self._junk_seen |= bool(dropped.strip())
                del self._buffer[:-keep]
            return False
        start, end = found
        self._junk_seen |= bool(self._buffer[:start].strip())
        if self._junk_seen:
            out.append(MalformedPartError("unexpected bytes between parts"))
            self._junk_seen = False
        del self._buffer[:end]
        self._begin_part()
        return True

    def _begin_part(self) -> None:
        self._state = _State.HEADERS
        self._headers = {}
        self._length = None
        self._scan_from = 0

    def _resync(self, out: list[ParsedItem], reason: str) -> bool:
        out.append(MalformedPartError(reason))
        self._state = _State.SEEK
        self._junk_seen = False
        return True

    def _read_header_line(self, out: list[ParsedItem]) -> bool:  # noqa: PLR0911 - one exit per framing case
        buffer = self._buffer
        stripped_start = len(buffer) - len(buffer.lstrip(b" \t"))
        if bytes(buffer[stripped_start : stripped_start + 1]) in (b"{", b"<") and not self._headers:
            # Some firmware starts the body right after the boundary, with no headers at all.
            self._state = _State.BODY
            return True
        line_end = buffer.find(b"\n")
        if line_end == -1:
            if len(buffer) > self._max_part_size:
                del buffer[:]
                return self._resync(out, "a part's header line is too long")
            return False
        line = bytes(buffer[:line_end]).rstrip(b"\r")
        del buffer[: line_end + 1]
        if not line.strip():
            if self._headers or line == b"":
                self._state = _State.BODY
            return True
        if line.strip() in (self._delimiter, self._delimiter + b"--"):
            # A bogus repeated boundary line: the part starts again.
            self._begin_part()
            return True
        name, colon, value = line.partition(b":")
        if not colon or not name.strip():
            return self._resync(out, "a part's header line is not a header")
        self._headers[name.strip().decode("latin-1").lower()] = value.strip().decode("latin-1")
        if name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                length = -1
            self._length = length if 0 <= length <= self._max_part_size else None
        return True

    def _read_body(self, out: list[ParsedItem]) -> bool:
        buffer = self._buffer
        # The next boundary ends a part even when Content-Length claims more: lengths lie.
        found = self._find_delimiter_line(self._scan_from)
        if found is not None:
            start, _ = found
            body = bytes(buffer[:start]).removesuffix(b"\n").removesuffix(b"\r")
            if self._length is not None and len(body) >= self._length:
                body, extra = body[: self._length], body[self._length :]
                out.append(Part(self._headers, body))
                if extra.strip():
                    out.append(MalformedPartError("unexpected bytes after a part"))
            else:
                out.append(Part(self._headers, body))
            del buffer[:start]
            self._state = _State.SEEK
            return True
        if self._length is not None and len(buffer) >= self._length:
            out.append(Part(self._headers, bytes(buffer[: self._length])))
            del buffer[: self._length]
            self._state = _State.SEEK
            return True
        if self._length is None and self._complete_json_part(out):
            return True
        if len(buffer) > self._max_part_size:
            del buffer[:]
            return self._resync(out, "a part is larger than the limit")
        self._scan_from = max(0, len(buffer) - len(self._delimiter) - 4)
        return False

    def _complete_json_part(self, out: list[ParsedItem]) -> bool:
        """Emit a JSON part without Content-Length as soon as its object is complete.

        Waiting for the next boundary would delay every such event until the next heartbeat.
        """
        if self._headers.get("content-type", "application/json").find("json") == -1:
            return False
        text = bytes(self._buffer).strip()
        if not text.endswith(b"}"):
            return False
        try:
            _, end = _JSON_DECODER.raw_decode(text.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return False
        if end != len(text.decode("utf-8")):
            return False
        out.append(Part(self._headers, text))
        self._buffer.clear()
        self._state = _State.SEEK
        return True
