"""How envelopes travel between workers: one line each, the frame as its own text."""

from __future__ import annotations

import json

import pytest

from simulator.rooms.protocol import frame
from simulator.rooms.redis_hub import BATCH_V2, decode_batch, encode_envelope


def _batch(*envelopes: dict) -> str:
    return BATCH_V2 + "\n".join(encode_envelope(e) for e in envelopes)


def test_envelopes_come_back_as_they_went_in_order():
    chat = frame("chat", message={"text": 'two\nlines\tand "quotes" \u2028 and ünïcode'})
    signal = frame("signal", **{"from": 3}, description={"type": "offer", "sdp": "v=0\r\no=- 1"})
    envelopes = [
        {"kind": "to", "room": 5, "to": [2], "frame": signal},
        {"kind": "chat", "room": 5, "audience": None, "frame": chat},
        {"kind": "state", "room": 5, "state": {"phase": "joint", "notes": "a\nb"}},
        {"kind": "to", "room": 5, "to": [1, 4], "frame": ""},
    ]
    assert decode_batch(_batch(*envelopes)) == envelopes
    # The frame is carried verbatim: the receiving worker sends on exactly these characters.
    assert decode_batch(_batch(envelopes[0]))[0]["frame"] == signal
    assert json.loads(decode_batch(_batch(envelopes[1]))[0]["frame"]) == json.loads(chat)


def test_what_older_workers_sent_is_still_read():
    envelope = {"kind": "to", "room": 5, "to": [2], "frame": '{"type":"signal","from":1}'}
    assert decode_batch(json.dumps(envelope)) == [envelope]  # one envelope, unbatched
    assert decode_batch(json.dumps([envelope, envelope])) == [envelope, envelope]


def test_a_frame_with_a_raw_newline_is_refused_not_split():
    with pytest.raises(ValueError, match="raw newline"):
        encode_envelope({"kind": "to", "room": 5, "to": [2], "frame": '{"a":1}\n{"b":2}'})


def test_garbage_is_a_value_error_for_the_listener_to_log():
    with pytest.raises(ValueError):
        decode_batch(BATCH_V2 + "not json\tframe")
    with pytest.raises(ValueError):
        decode_batch("{broken")
