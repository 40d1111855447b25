"""The sync engine: pages → mapping → one transaction per page; cursors, resync, received pushes.

``SyncService`` is what the CLI, the daemon and the demo call.
"""
