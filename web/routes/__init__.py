"""HTTP and websocket routes, one module per area; `ROUTES` is what the app factory mounts."""
