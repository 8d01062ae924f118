"""Tests of the alert stream's multipart reader and event decoding, fuzzed with hypothesis."""

from __future__ import annotations

import contextlib
from datetime import datetime
import json
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.hanyang_compound.devices.isapi.errors import MalformedPartError
from custom_components.hanyang_compound.devices.isapi.events import (
    AccessEvent,
    Heartbeat,
    Screening,
    celsius,
    decode_history_record,
    decode_part,
    screening,
)
from custom_components.hanyang_compound.devices.isapi.multipart import MultipartParser, Part

BOUNDARY = "boundary"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def access_json(serial: int, **fields: Any) -> bytes:
    event = {
        "majorEventType": 5,
        "subEventType": 75,
        "serialNo": serial,
        "currentEvent": True,
        "currentVerifyMode": "face",
        "mask": "yes",
        "currTemperature": 36.6,
        "thermometryUnit": "celsius",
        "doorNo": 1,
        "name": "张伟",
        "employeeNoString": "1001",
        **fields,
    }
    envelope = {
        "dateTime": "2026-11-25T20:00:00+08:00",
        "eventType": "AccessControllerEvent",
        "AccessControllerEvent": event,
    }
    return json.dumps(envelope, ensure_ascii=False).encode()


def part(
    body: bytes, *, content_type: str | None = "application/json", length: bool = True
) -> bytes:
    headers = f"Content-Type: {content_type}\r\n" if content_type else ""
    if length:
        headers += f"Content-Length: {len(body)}\r\n"
    return f"--{BOUNDARY}\r\n{headers}\r\n".encode() + body + b"\r\n"


def feed_in_chunks(data: bytes, cuts: list[int]) -> list[Part | MalformedPartError]:
    parser = MultipartParser(BOUNDARY)
    out: list[Part | MalformedPartError] = []
    start = 0
    for cut in sorted({min(max(c, 0), len(data)) for c in cuts}):
        out += parser.feed(data[start:cut])
        start = cut
    out += parser.feed(data[start:])
    return out


def serials(items: list[Part | MalformedPartError]) -> list[int]:
    found = []
    for item in items:
        if isinstance(item, Part):
            decoded = decode_part(item)
            if isinstance(decoded, AccessEvent):
                found.append(decoded.serial_no)
    return found


GOOD_PARTS = st.lists(
    st.tuples(st.integers(1, 10**6), st.booleans(), st.booleans()), min_size=1, max_size=8
)


@FUZZ
@given(parts=GOOD_PARTS, cuts=st.lists(st.integers(0, 4000), max_size=20))
def test_any_chunking_of_a_good_stream_yields_every_part(
    parts: list[tuple[int, bool, bool]], cuts: list[int]
) -> None:
    stream = b"".join(
        part(access_json(serial), content_type="application/json" if typed else None, length=length)
        for serial, typed, length in parts
    )
    # The last part without a length is only known complete once the next boundary arrives.
    stream += f"--{BOUNDARY}\r\n".encode()
    items = feed_in_chunks(stream, cuts)
    assert not [item for item in items if isinstance(item, MalformedPartError)]
    assert serials(items) == [serial for serial, _, _ in parts]


MALFORMED = st.sampled_from(
    [
        part(b'{"eventType": "AccessControllerEvent", "Acc'),
        f"--{BOUNDARY}\r\nthis is not a header\r\n\r\n{{}}\r\n".encode(),
        b"\x00\xffgarbage between parts\r\n",
        part(b"[1, 2, 3]"),
        part(b'{"eventType": "AccessControllerEvent", "AccessControllerEvent": {"serialNo": -1}}'),
        part(b'{"eventType": "AccessControllerEvent", "AccessControllerEvent": 3}'),
        part(access_json(1, currentEvent="maybe")),
        part(access_json(1, currTemperature="hot")),
        part(access_json(1, thermometryUnit="rankine")),
        part(access_json(1, mask="perhaps")),
        part(access_json(1, name=["a"])),
        part(b"\xff\xfe not utf-8"),
    ]
)


@FUZZ
@given(
    before=st.integers(1, 1000),
    bad=st.lists(MALFORMED, min_size=1, max_size=4),
    cuts=st.lists(st.integers(0, 3000), max_size=10),
)
def test_malformed_stretches_are_typed_errors_and_the_next_good_part_arrives(
    before: int, bad: list[bytes], cuts: list[int]
) -> None:
    stream = part(access_json(before)) + b"".join(bad) + part(access_json(before + 1))
    items = feed_in_chunks(stream, cuts)
    errors = [item for item in items if isinstance(item, MalformedPartError)]
    decode_errors = 0
    for item in items:
        if isinstance(item, Part):
            try:
                decode_part(item)
            except MalformedPartError:
                decode_errors += 1
    assert errors or decode_errors
    assert serials([item for item in items if _decodes(item)]) == [before, before + 1]


def _decodes(item: Part | MalformedPartError) -> bool:
    if not isinstance(item, Part):
        return False
    try:
        decode_part(item)
    except MalformedPartError:
        return False
    return True


@FUZZ
@given(noise=st.binary(max_size=2000), cuts=st.lists(st.integers(0, 2000), max_size=10))
def test_random_bytes_never_escape_as_anything_but_typed_errors(
    noise: bytes, cuts: list[int]
) -> None:
    parser = MultipartParser(BOUNDARY, max_part_size=512)
    for item in [*feed_in_chunks(noise + part(access_json(7)), cuts), *parser.close()]:
        if isinstance(item, Part):
            with contextlib.suppress(MalformedPartError):
                decode_part(item)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
FIELDS = st.sampled_from(
    [
        "serialNo",
        "majorEventType",
        "subEventType",
        "currentEvent",
        "mask",
        "currTemperature",
        "thermometryUnit",
        "isAbnomalTemperature",
        "doorNo",
        "name",
        "employeeNoString",
        "currentVerifyMode",
    ]
)


@FUZZ
@given(changes=st.dictionaries(FIELDS, JSON_VALUES, max_size=4))
def test_any_event_json_decodes_or_is_a_typed_error(changes: dict[str, Any]) -> None:
    body = access_json(5, **changes)
    message: str | None = None
    try:
        decoded = decode_part(Part({}, body))
    except MalformedPartError as err:
        message = str(err)
    if message is not None:
        # Errors reach logs and diagnostics: they name the field, never its value (a name,
        # a number, a temperature).
        assert not [value for value in changes.values() if repr(value) in message]
        return
    assert isinstance(decoded, AccessEvent)
    with contextlib.suppress(MalformedPartError):
        decode_history_record({"major": 5, "minor": 75, **changes, "serialNo": 5})


def test_heartbeats_pictures_and_other_events() -> None:
    assert decode_part(Part({}, b'{"eventType": "heartBeat"}')) == Heartbeat()
    assert (
        decode_part(
            Part(
                {},
                b"<EventNotificationAlert><eventType>heartBeat</eventType></EventNotificationAlert>",
            )
        )
        == Heartbeat()
    )
    assert (
        decode_part(
            Part({}, b"<EventNotificationAlert><eventType>VMD</eventType></EventNotificationAlert>")
        )
        is None
    )
    assert decode_part(Part({"content-type": "image/jpeg"}, b"\xff\xd8\xff")) is None
    assert decode_part(Part({}, b'{"eventType": "videoloss"}')) is None
    with pytest.raises(MalformedPartError, match="must be an object"):
        decode_history_record([1])


def test_bogus_repeated_boundaries_headerless_json_and_an_unfinished_part() -> None:
    parser = MultipartParser(BOUNDARY)
    stream = (
        f"--{BOUNDARY}\r\n--{BOUNDARY}\r\n".encode()
        + part(access_json(1))
        + f"--{BOUNDARY}\r\n".encode()
        + access_json(2)  # no headers and no blank line at all
        + b"\r\n"
        + part(access_json(3), content_type=None, length=False)
    )
    items = parser.feed(stream)
    assert serials(items) == [1, 2, 3]
    assert parser.feed(f"--{BOUNDARY}\r\nContent-Type: application/json\r\n".encode()) == []
    [error] = parser.close()
    assert isinstance(error, MalformedPartError)
    assert parser.close() == []


def test_oversized_parts_and_lines_are_dropped_and_reading_resumes() -> None:
    parser = MultipartParser(BOUNDARY, max_part_size=64)
    items = parser.feed(f"--{BOUNDARY}\r\n".encode() + b"x" * 100)
    items += parser.feed(b"\r\n" + part(access_json(9))[:0])
    items += parser.feed(f"--{BOUNDARY}\r\n\r\n".encode() + b"y" * 100)
    items += parser.feed(b"\r\n" + part(b'{"eventType": "heartBeat"}'))
    assert [type(item) for item in items] == [MalformedPartError, MalformedPartError, Part]


def test_temperatures_are_celsius_and_outcomes_most_urgent_first() -> None:
    assert celsius(99.5, "fahrenheit") == 37.5
    assert celsius(310.45, "kelvin") == 37.3
    assert celsius(36.5, None) == 36.5

    def event(**fields: Any) -> AccessEvent:
        decoded = decode_part(Part({}, access_json(1, **fields)))
        assert isinstance(decoded, AccessEvent)
        return decoded

    assert event().time == datetime.fromisoformat("2026-11-25T20:00:00+08:00")
    assert (
        screening(event(currTemperature=99.5, thermometryUnit="fahrenheit"), 37.3)
        is Screening.FEVER_DETECTED
    )
    assert screening(event(currTemperature=37.5), 37.6) is Screening.ACCESS_GRANTED
    assert (
        screening(event(currTemperature=None, isAbnomalTemperature=True), 37.3)
        is Screening.FEVER_DETECTED
    )
    assert screening(event(mask="no"), 37.3) is Screening.NO_MASK
    assert screening(event(subEventType=76), 37.3) is Screening.ACCESS_DENIED
    assert (
        screening(event(majorEventType=3, subEventType=0x400), 37.3)
        is Screening.DOOR_OPENED_REMOTELY
    )
    assert screening(event(majorEventType=2, subEventType=1), 37.3) is Screening.OTHER
    assert decode_part(Part({}, access_json(1).replace(b"2026-11-25T20", b"bad"))).time is None  # type: ignore[union-attr]
