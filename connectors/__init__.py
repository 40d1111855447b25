"""Built-in marketplace connectors (installed as ``mpsync_connectors``)."""
