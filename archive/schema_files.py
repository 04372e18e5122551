"""Where the schema/ files (migrations, Datasette metadata, templates) are.

They are package data: an installed wheel carries them as ``archive/_schema``
(never as a top-level module ``schema``, which would shadow the popular
``schema`` library); a source checkout or editable install reads ``schema/``
beside ``archive/``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["schema_dir"]


def schema_dir() -> Path:
    packaged = Path(__file__).resolve().parent / "_schema"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "schema"
