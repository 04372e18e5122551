"""Publishing an archive with Datasette: qarchive's metadata, plugin and templates (schema/)."""

from publish.datasette import DATABASE_NAME, DEFAULT_SETTINGS, load_metadata, make_datasette, serve

__all__ = ["DATABASE_NAME", "DEFAULT_SETTINGS", "load_metadata", "make_datasette", "serve"]
