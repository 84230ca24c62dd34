"""The plumbing below every app: real-time events and fan-out, socket auth, caches and rate
limits, paging, the JSON error shape and input limits. Imports no uchat app."""
