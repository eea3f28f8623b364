"""The analysis engine, its pattern model and the knowledge-base loader."""
