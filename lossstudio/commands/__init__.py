"""Command-line commands that train and list runs (above the engine, below the CLI)."""
