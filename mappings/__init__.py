"""Built-in mapping schemas (``*.toml``), installed as ``mpsync_mappings``."""
