"""The import engine: large files read as a stream and written chunk by chunk (see engine.py and kinds.py)."""
