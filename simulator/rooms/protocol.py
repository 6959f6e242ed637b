"""The signaling wire format: every message a client may send, parsed and checked in one place.

A frame is one JSON object with a `type`. Anything else (not JSON, too big, an unknown type, a
field of the wrong shape) becomes a `ProtocolError` whose message goes back to the sender in an
`error` frame; the room goes on. docs/protocol.md describes every message.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictBool, TypeAdapter, ValidationError

MAX_FRAME_BYTES = 64 * 1024


class ProtocolError(Exception):
    """A frame the server cannot act on; `code` is machine-readable, the message is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SessionDescription(_Message):
    type: Literal["offer", "answer", "rollback"]
    sdp: str = Field(default="", max_length=60_000)


class IceCandidate(_Message):
    candidate: str = Field(max_length=1_000)
    sdpMid: str | None = Field(default=None, max_length=64)  # noqa: N815 (the browser's name)
    sdpMLineIndex: int | None = Field(default=None, ge=0, le=64)  # noqa: N815
    usernameFragment: str | None = Field(default=None, max_length=256)  # noqa: N815


class Signal(_Message):
    """An SDP description or an ICE candidate for one other person in the room."""

    type: Literal["signal"]
    to: int
    description: SessionDescription | None = None
    candidate: IceCandidate | None = None


class Ping(_Message):
    type: Literal["ping"]
    t: float = 0


class AdvancePhase(_Message):
    type: Literal["phase.advance"]
    to: str | None = Field(default=None, max_length=32)


class ExtendPhase(_Message):
    type: Literal["phase.extend"]
    minutes: int = Field(ge=1, le=60)


class OpenCaucus(_Message):
    type: Literal["caucus.open"]
    with_: list[int] = Field(alias="with", min_length=1, max_length=10)


class CloseCaucus(_Message):
    type: Literal["caucus.close"]


class SendChat(_Message):
    type: Literal["chat.send"]
    text: str = Field(min_length=1, max_length=2000)


class RequestHelp(_Message):
    type: Literal["help.request"]
    text: str = Field(default="", max_length=500)


class ResolveHelp(_Message):
    type: Literal["help.resolve"]
    id: int


class MediaState(_Message):
    type: Literal["media.state"]
    audio: bool
    video: bool
    audio_only: bool = False


class QualityReport(_Message):
    type: Literal["quality.report"]
    rtt_ms: float | None = Field(default=None, ge=0, le=60_000)
    loss_pct: float | None = Field(default=None, ge=0, le=100)


class RequestRecording(_Message):
    """Ask to record the session; it starts once everyone whose consent is needed has given it."""

    type: Literal["recording.request"]


class StopRecording(_Message):
    type: Literal["recording.stop"]


class Consent(_Message):
    """This person's own answer about being recorded (remembered for the session)."""

    type: Literal["recording.consent"]
    given: StrictBool


MESSAGE_TYPES = (
    Signal,
    Ping,
    AdvancePhase,
    ExtendPhase,
    OpenCaucus,
    CloseCaucus,
    SendChat,
    RequestHelp,
    ResolveHelp,
    MediaState,
    QualityReport,
    RequestRecording,
    StopRecording,
    Consent,
)
ClientMessage = Annotated[Union[MESSAGE_TYPES], Field(discriminator="type")]  # noqa: UP007
_adapter: TypeAdapter[Any] = TypeAdapter(ClientMessage)
KNOWN_TYPES = frozenset(get_args(m.model_fields["type"].annotation)[0] for m in MESSAGE_TYPES)


def parse(frame: str | bytes) -> Any:
    """One client frame as a typed message, or a ProtocolError saying what is wrong with it."""
    if isinstance(frame, bytes):
        raise ProtocolError("binary", "Send text frames holding JSON; binary frames are not used.")
    if len(frame) > MAX_FRAME_BYTES:
        raise ProtocolError("too_big", f"Frames are limited to {MAX_FRAME_BYTES // 1024} KiB.")
    try:
        data = json.loads(frame)
    except (ValueError, RecursionError):
        raise ProtocolError("bad_json", "The frame is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ProtocolError("bad_message", "A frame must be a JSON object with a type.")
    kind = data.get("type")
    if kind not in KNOWN_TYPES:
        raise ProtocolError("unknown_type", f"Unknown message type {str(kind)[:40]!r}.")
    if kind == "signal" and (data.get("description") is None) == (data.get("candidate") is None):
        raise ProtocolError("bad_message", "A signal carries either a description or a candidate.")
    try:
        return _adapter.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"][1:]) or kind
        raise ProtocolError("bad_message", f"{kind}: {where}: {first['msg']}") from None


def frame(kind: str, **fields: Any) -> str:
    """A server frame, as JSON text."""
    return json.dumps({"type": kind, **fields}, separators=(",", ":"))
