"""Live breakout rooms: the wire protocol, the authoritative room state, and the hubs that share it."""
