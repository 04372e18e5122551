"""archive.db: the archive's storage. Every SQL statement qarchive runs is here.

``Archive`` (a ``sqlite_utils.Database``) owns the tables: pages, questions and
their history, the search index, crawl runs and the frontier table. The crawler,
``import``, ``reparse`` and the command line call its methods; nothing else
writes SQL (the migrations in schema/ and Datasette's canned queries aside).
"""

from archive.archive import (
    APPLICATION_ID,
    GONE_STATUSES,
    ArchiveError,
    FetchedPage,
    RecordOutcome,
    StoreOutcome,
    answer_hash,
    apply_migrations,
    compress_body,
    decompress_body,
    migrations,
    open_archive,
    record_fetched_page,
    record_unchanged_page,
    schema_version,
    store_answer_page,
    utc_now,
)

__all__ = [
    "APPLICATION_ID",
    "GONE_STATUSES",
    "ArchiveError",
    "FetchedPage",
    "RecordOutcome",
    "StoreOutcome",
    "answer_hash",
    "apply_migrations",
    "compress_body",
    "decompress_body",
    "migrations",
    "open_archive",
    "record_fetched_page",
    "record_unchanged_page",
    "schema_version",
    "store_answer_page",
    "utc_now",
]
