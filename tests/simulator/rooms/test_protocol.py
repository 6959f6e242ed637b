"""The signaling wire format: typed messages in, clear errors for everything else."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.rooms.protocol import KNOWN_TYPES, MAX_FRAME_BYTES, ProtocolError, parse


def test_parses_every_message_kind():
    samples = [
        {"type": "signal", "to": 3, "description": {"type": "offer", "sdp": "v=0"}},
        {
            "type": "signal",
            "to": 3,
            "candidate": {
                "candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host",
                "sdpMid": "0",
                "sdpMLineIndex": 0,
            },
        },
        {"type": "ping", "t": 12.5},
        {"type": "phase.advance"},
        {"type": "phase.advance", "to": "debrief"},
        {"type": "phase.extend", "minutes": 5},
        {"type": "caucus.open", "with": [2]},
        {"type": "caucus.close"},
        {"type": "chat.send", "text": "hello"},
        {"type": "help.request", "text": ""},
        {"type": "help.resolve", "id": 4},
        {"type": "media.state", "audio": True, "video": False, "audio_only": True},
        {"type": "quality.report", "rtt_ms": 120.5, "loss_pct": 0.5},
        {"type": "recording.request"},
        {"type": "recording.stop"},
        {"type": "recording.consent", "given": True},
    ]
    assert {s["type"] for s in samples} == set(KNOWN_TYPES)
    for sample in samples:
        assert parse(json.dumps(sample)).type == sample["type"]
    assert parse('{"type":"caucus.open","with":[2,3]}').with_ == [2, 3]


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (b"\x00\x01", "binary"),
        ("x" * (MAX_FRAME_BYTES + 1), "too_big"),
        ("not json", "bad_json"),
        ("[1, 2]", "bad_message"),
        ('{"no": "type"}', "unknown_type"),
        ('{"type": "drop_tables"}', "unknown_type"),
        ('{"type": "signal", "to": 2}', "bad_message"),
        (
            '{"type": "signal", "to": 2, "description": {"type": "offer"}, "candidate": {"candidate": ""}}',
            "bad_message",
        ),
        ('{"type": "signal", "to": "everyone", "candidate": {"candidate": ""}}', "bad_message"),
        ('{"type": "chat.send", "text": ""}', "bad_message"),
        ('{"type": "chat.send", "text": "hi", "admin": true}', "bad_message"),
        ('{"type": "phase.extend", "minutes": 1000}', "bad_message"),
        ('{"type": "caucus.open", "with": []}', "bad_message"),
        ('{"type": "recording.consent", "given": "yes"}', "bad_message"),
        ('{"type": "recording.consent"}', "bad_message"),
        ("[" * 100_000 + "]" * 100_000, "too_big"),
        ("[" * 5_000 + "]" * 5_000, "bad_json"),
    ],
)
def test_bad_frames_get_a_code_and_a_message(frame, code):
    with pytest.raises(ProtocolError) as caught:
        parse(frame)
    assert caught.value.code == code and caught.value.message


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_arbitrary_frames_never_raise_anything_else(frame):
    with contextlib.suppress(ProtocolError):
        parse(frame)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(KNOWN_TYPES)),
    st.dictionaries(
        st.sampled_from(
            [
                "to",
                "text",
                "with",
                "minutes",
                "id",
                "audio",
                "video",
                "description",
                "candidate",
                "t",
                "rtt_ms",
            ]
        ),
        json_values,
        max_size=4,
    ),
)
def test_known_types_with_arbitrary_fields_parse_or_fail_cleanly(kind, fields):
    with contextlib.suppress(ProtocolError):
        parse(json.dumps({"type": kind, **fields}))
