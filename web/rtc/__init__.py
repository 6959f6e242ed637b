"""The server side's own WebRTC peers (aiortc): headless participants, connection checks, recording.

aiortc is used only here, so the domain packages never depend on it.
"""
