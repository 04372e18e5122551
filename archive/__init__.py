"""archive.db: the archive's storage. Every SQL statement qarchive runs is in this package.

``Archive`` (a ``sqlite_utils.Database``) owns the tables: pages, questions and
their history, the search index, crawl runs (with their extraction health, see
``archive.health``), and (through ``FrontierTable``) the frontier. The crawler,
``import``, ``reparse`` and the command line call its methods; nothing else writes
SQL (the migrations in schema/ and Datasette's canned queries aside).
"""

from archive.archive import (
    GONE_STATUSES,
    Archive,
    RecordOutcome,
    StoredCopy,
    StoreOutcome,
    answer_hash,
    open_archive,
)
from archive.bodies import BodyUnreadable, CompressionPolicy
from archive.clock import utc_now
from archive.errors import ArchiveError
from archive.fetched import FetchedPage
from archive.frontier import RESUMABLE_STATES, FrontierTable, FrontierURL, refresh_cutoff
from archive.health import Drift, ExtractionHealth, describe_drift, find_drift
from archive.migrator import APPLICATION_ID, apply_migrations, migrations, schema_version
from archive.runs import RunCounts, RunSummary, format_runs

__all__ = [
    "APPLICATION_ID",
    "GONE_STATUSES",
    "RESUMABLE_STATES",
    "Archive",
    "ArchiveError",
    "BodyUnreadable",
    "CompressionPolicy",
    "Drift",
    "ExtractionHealth",
    "FetchedPage",
    "FrontierTable",
    "FrontierURL",
    "RecordOutcome",
    "RunCounts",
    "RunSummary",
    "StoreOutcome",
    "StoredCopy",
    "answer_hash",
    "apply_migrations",
    "describe_drift",
    "find_drift",
    "format_runs",
    "migrations",
    "open_archive",
    "refresh_cutoff",
    "schema_version",
    "utc_now",
]
