"""The sync engine: pages → mapping → one transaction per page; cursors, resync, received pushes.

``SyncService`` (built on a ``mpsync.runtime.Runtime``) is what the CLI, the daemon and the
demo call to sync; the push processor and dead-letter retry take the runtime itself.
"""
