"""The Starlette application: app factory, auth, routes, templates, static files, API, websockets."""
