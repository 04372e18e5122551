"""Raw page bodies: zstd with a dictionary trained per site, and the dictionaries themselves.

Pages of one site are one template with different text: zlib gets 3x on them,
zstd with a dictionary trained on the site's own pages 16-19x (issue #15,
BENCHMARKS.md table 5). So every body names what it needs to be read
(``pages.body_codec`` and ``pages.dictionary_id``, schema version 13):

- ``zlib``: every body stored before version 13. Readable forever.
- ``zstd``, no dictionary: a body stored before its site had a dictionary.
- ``zstd`` with a dictionary: ``compression_dictionaries`` holds it, versioned per
  site; the zstd frame names it too (zstd dictionary id = 32768 + the row's id, out of
  the range RFC 8878 §5 reserves for registered dictionaries), so a body read with the
  wrong dictionary fails loudly instead of decoding to garbage.

A site's first dictionary is trained once it has ``min_pages`` pages, from its
newest ones; a new version when its newest pages compress much worse than the
current dictionary did on pages it had not seen (a redesign). The crawl's writer
does both between batches (``DictionaryUpkeep``), and so does ``qarchive compact``,
which also moves older bodies to their site's current dictionary. A site is
``pages.site`` (the question's), or the URL's host for a page without a question.

A body that cannot be read (corrupt, or its dictionary missing) raises
``BodyUnreadable`` with a one-line reason: it costs that page, never the run.
"""

from __future__ import annotations

import logging
import zlib
from collections import Counter, OrderedDict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import zstandard

from archive.clock import utc_now

if TYPE_CHECKING:
    import sqlite_utils

__all__ = [
    "CODECS",
    "ZLIB",
    "ZSTD",
    "BodyStore",
    "BodyUnreadable",
    "CompressionPolicy",
    "DictionaryUpkeep",
    "TrainedDictionary",
    "body_site",
]

log = logging.getLogger("archive.bodies")

ZLIB = "zlib"
ZSTD = "zstd"
CODECS = (ZLIB, ZSTD)
# The schema version that added body_codec, dictionary_id and compression_dictionaries.
CODECS_SCHEMA_VERSION = 13
# zstd dictionary ids below 32768 are reserved for registered dictionaries (RFC 8878 §5).
_ZSTD_DICT_ID_BASE = 32768
# Dictionaries a process keeps loaded (each ~0.5 MB once zstd has digested it): one per
# site and version in use, so a reparse or export of a many-site archive stays bounded.
DICTIONARY_CACHE_SIZE = 16

_DRIFT_SAMPLE_PAGES = 50


@dataclass(frozen=True, slots=True)
class CompressionPolicy:
    """When dictionaries are trained, how big, and how hard bodies are compressed."""

    # A site gets its dictionary once it has this many pages: 200 sample pages train
    # one within 2% of one trained on 500 (15.9x against 16.3x), in ~0.04 s.
    min_pages: int = 200
    # Trained from at most the site's newest this many pages: more costs training time
    # (0.4 s for 500) for little gain.
    sample_pages: int = 500
    # 112 KiB: zstd's own default size (--maxdict); 64 KiB loses 1%, more gains nothing
    # on one template.
    dictionary_bytes: int = 112 * 1024
    # zstd's trainer (FASTCOVER) with its segment (k) and d-mer (d) sizes given: left to
    # it, it searched k from 50 to 2,000 and d 6 and 8 on every training, 0.039 s of
    # 160 sample pages' 0.047 s, and chose k 1,998, d 8. Given 2,000 and 8 it trains in
    # 0.008 s a dictionary that compresses held-out pages to the same size (0.05%).
    training_segment: int = 2000
    training_dmer: int = 8
    # zstd's level 9 (its window, hash and chain sizes), matching greedily: with a
    # dictionary, on 1,500 bodies of a 3,000-page sample crawl (CPU a page; bytes stored):
    # level 6 0.042 ms, 937 kB; level 9 (lazy2, search_log 5, min_match 4) 0.074 ms,
    # 866 kB; level 9 greedy, search_log 6, min_match 5 0.036 ms, 883 kB. 2% bigger than
    # level 9 for half its time (0.04 ms of a WARC import's ~1 ms a page; issue 15),
    # 6% smaller than level 6, faster than level 6. Without a dictionary: level 9
    # 0.168 ms, greedy 0.054 (bench/notes.md, "Import after schema 19").
    level: int = 9
    strategy: int = zstandard.STRATEGY_GREEDY
    search_log: int = 6
    min_match: int = 5
    # A site's newest pages are checked for drift after this many more were stored...
    drift_check_pages: int = 200
    # ... the newest _DRIFT_SAMPLE_PAGES (50) of them (their sizes read from the rows)...
    drift_sample_pages: int = _DRIFT_SAMPLE_PAGES
    # ... and a new dictionary trained when they compress to less than this share of the
    # ratio the current one reached on held-out pages. A redesigned CSDN page compresses
    # 6.8x with the old layout's dictionary against 16.4x: 0.42. Pages of one layout
    # vary by a few percent.
    drift_factor: float = 0.6

    def compressor(self, dictionary: zstandard.ZstdCompressionDict | None = None,
                   ) -> zstandard.ZstdCompressor:
        """A compressor with these settings, using ``dictionary`` if given."""
        parameters = zstandard.ZstdCompressionParameters(
            compression_level=self.level, strategy=self.strategy,
            search_log=self.search_log, min_match=self.min_match,
            # What a level alone writes by default and readers need: the size (one-shot
            # decompress) and the dictionary's id (checked against the row's).
            write_content_size=True, write_dict_id=True)
        return zstandard.ZstdCompressor(compression_params=parameters, dict_data=dictionary)

    def train_dictionary(self, samples: Sequence[bytes | bytearray | memoryview], *,
                         dict_id: int = 0) -> zstandard.ZstdCompressionDict:
        """A dictionary of these settings' size and trainer parameters, learnt from
        ``samples``. Raises zstandard.ZstdError when they are too few to learn from."""
        return zstandard.train_dictionary(self.dictionary_bytes, list(samples), dict_id=dict_id,
                                          k=self.training_segment, d=self.training_dmer)

    @classmethod
    def with_min_pages(cls, min_pages: int) -> CompressionPolicy:
        """The defaults, but a first dictionary (and each drift check) after ``min_pages``
        pages: CrawlSettings.dictionary_min_pages."""
        return cls(min_pages=min_pages, drift_check_pages=min_pages,
                   drift_sample_pages=max(1, min(_DRIFT_SAMPLE_PAGES, min_pages // 2)))


class BodyUnreadable(ValueError):
    """A stored body cannot be read: corrupt, or the dictionary it needs is missing."""


@dataclass(frozen=True, slots=True)
class TrainedDictionary:
    """A dictionary just trained, for the log line and compact's report."""

    id: int
    site: str
    version: int
    sample_pages: int
    ratio: float | None
    because: str
    rewritten: int  # of its sample pages, moved to it at once

    def describe(self) -> str:
        ratio = f", {self.ratio:.1f}x on held-out pages" if self.ratio else ""
        return (f"compression dictionary {self.id} for {self.site} (version {self.version}): "
                f"{self.because}; trained on {self.sample_pages} pages{ratio}")


def body_site(url: str, site: str | None) -> str:
    """The site a body's dictionary is chosen by: its question's, or its URL's host."""
    if site:
        return site
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _zstd_dict_id(dictionary_id: int) -> int:
    return _ZSTD_DICT_ID_BASE + dictionary_id


class BodyStore:
    """An archive's bodies: compressing for a site, reading any codec, training dictionaries.

    One per ``Archive``. Dictionaries are loaded once and kept (at most
    DICTIONARY_CACHE_SIZE, least recently used dropped): reparse, import and
    export read thousands of bodies with a handful of dictionaries. Not for
    concurrent use from several threads (neither is the archive's connection).
    """

    def __init__(self, db: sqlite_utils.Database, *,
                 policy: CompressionPolicy | None = None) -> None:
        self._db = db
        self.policy = policy or CompressionPolicy()
        # id -> (compressor, decompressor); loaded lazily, bounded.
        self._loaded: OrderedDict[int, tuple[zstandard.ZstdCompressor,
                                              zstandard.ZstdDecompressor]] = OrderedDict()
        self._plain_compressor: zstandard.ZstdCompressor | None = None
        self._plain_decompressor = zstandard.ZstdDecompressor()
        self._has_codecs: bool | None = None
        # site -> (its current dictionary, (raw, compressed) sizes of the newest bodies).
        self._recent: dict[str, tuple[int, deque[tuple[int, int]]]] = {}

    # --- reading and writing bodies ----------------------------------------------

    @property
    def has_codecs(self) -> bool:
        """Whether the archive is at schema version 13 (opened without migrating: maybe not)."""
        if self._has_codecs is None:
            version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
            self._has_codecs = version >= CODECS_SCHEMA_VERSION
        return self._has_codecs

    def compress(self, body: bytes, site: str) -> tuple[bytes, str, int | None]:
        """``(blob, codec, dictionary id)`` for a body of ``site``: its current dictionary's."""
        if not self.has_codecs:
            return zlib.compress(body, 3), ZLIB, None
        dictionary_id = self.current_dictionary(site)
        if dictionary_id is not None:
            try:
                compressor, _ = self._dictionary(dictionary_id)
                blob = compressor.compress(body)
                self._remember(site, dictionary_id, len(body), len(blob))
                return blob, ZSTD, dictionary_id
            except BodyUnreadable as error:  # a damaged dictionary row: store without it
                log.warning("%s; storing without it", error)
        if self._plain_compressor is None:
            self._plain_compressor = self.policy.compressor()
        return self._plain_compressor.compress(body), ZSTD, None

    def _remember(self, site: str, dictionary_id: int, raw: int, compressed: int) -> None:
        """The sizes of the site's newest bodies compressed with its current dictionary:
        what drift() measures a crawl's newest pages by."""
        recent = self._recent.get(site)
        if recent is None or recent[0] != dictionary_id:
            recent = self._recent[site] = (
                dictionary_id, deque(maxlen=self.policy.drift_sample_pages))
        recent[1].append((raw, compressed))

    def decompress(self, blob: bytes, codec: str | None, dictionary_id: int | None) -> bytes:
        """The body ``blob`` holds; BodyUnreadable (one line) when it cannot be read."""
        if codec in (None, ZLIB):
            try:
                return zlib.decompress(blob)
            except zlib.error as error:
                raise BodyUnreadable(f"corrupt zlib body ({error})") from None
        if codec != ZSTD:
            raise BodyUnreadable(f"unknown body codec {codec!r}")
        decompressor = (self._plain_decompressor if dictionary_id is None
                        else self._dictionary(dictionary_id)[1])
        try:
            return decompressor.decompress(blob)
        except zstandard.ZstdError as error:
            which = f" (dictionary {dictionary_id})" if dictionary_id is not None else ""
            raise BodyUnreadable(f"corrupt zstd body{which}: {error}") from None

    def current_dictionary(self, site: str) -> int | None:
        """The id of ``site``'s newest dictionary, None before it has one.

        Asked of the archive every time (an indexed lookup): another process (the
        crawl's writer, compact) may have trained a newer one since.
        """
        row = self._db.execute(
            "SELECT id FROM compression_dictionaries WHERE site = ? "
            "ORDER BY version DESC LIMIT 1", [site]).fetchone()
        return int(row[0]) if row is not None else None

    def _dictionary(self, dictionary_id: int) -> tuple[zstandard.ZstdCompressor,
                                                       zstandard.ZstdDecompressor]:
        loaded = self._loaded.get(dictionary_id)
        if loaded is not None:
            self._loaded.move_to_end(dictionary_id)
            return loaded
        row = self._db.execute("SELECT dictionary FROM compression_dictionaries WHERE id = ?",
                               [dictionary_id]).fetchone()
        if row is None:
            raise BodyUnreadable(f"compression dictionary {dictionary_id} is missing")
        try:
            data = zstandard.ZstdCompressionDict(bytes(row[0]),
                                                 dict_type=zstandard.DICT_TYPE_FULLDICT)
            loaded = (self.policy.compressor(data),
                      zstandard.ZstdDecompressor(dict_data=data))
            if data.dict_id() != _zstd_dict_id(dictionary_id):
                raise zstandard.ZstdError(f"it is zstd dictionary {data.dict_id()}")
        except zstandard.ZstdError as error:
            raise BodyUnreadable(
                f"compression dictionary {dictionary_id} is damaged ({error})") from None
        self._loaded[dictionary_id] = loaded
        if len(self._loaded) > DICTIONARY_CACHE_SIZE:
            self._loaded.popitem(last=False)
        return loaded

    # --- training ------------------------------------------------------------------

    def pages_of(self, site: str) -> int:
        """How many stored bodies ``site`` has (pages with a question of that site)."""
        return int(self._db.execute(
            "SELECT count(*) FROM pages WHERE site = ? AND body IS NOT NULL",
            [site]).fetchone()[0])

    def train(self, site: str, *, because: str) -> TrainedDictionary | None:
        """Train ``site`` a new dictionary version from its newest pages, and move those
        pages to it. None when too few of them can be read to learn from.

        Three short transactions (the dictionary, then its sample pages rewritten),
        so a kill at any moment leaves a usable archive.
        """
        samples = self._samples(site)
        if len(samples) < max(8, min(self.policy.min_pages, 20)):
            return None
        bodies = [body for _, body, _, _ in samples]
        # Every fifth page held out: the ratio the dictionary reaches on pages it has not
        # seen is the baseline drift is measured against.
        held_out = bodies[::5]
        learn: list[bytes | bytearray | memoryview] = [
            body for index, body in enumerate(bodies) if index % 5 or len(bodies) < 10]
        row = self._db.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'compression_dictionaries'"
        ).fetchone()
        next_id = (int(row[0]) if row is not None else 0) + 1
        try:
            data = self.policy.train_dictionary(learn, dict_id=_zstd_dict_id(next_id))
        except zstandard.ZstdError as error:
            log.warning("no compression dictionary for %s: %s", site, error)
            return None
        compressor = self.policy.compressor(data)
        compressed = sum(len(compressor.compress(body)) for body in held_out)
        ratio = sum(map(len, held_out)) / compressed if compressed else None
        with self._db.atomic():
            version = int(self._db.execute(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM compression_dictionaries "
                "WHERE site = ?", [site]).fetchone()[0])
            raw = data.as_bytes()
            self._db.execute(
                "INSERT INTO compression_dictionaries (id, site, version, created_at, "
                "trained_because, sample_pages, sample_bytes, ratio, size, dictionary) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [next_id, site, version, utc_now(), because, len(learn),
                 sum(map(len, learn)), ratio, len(raw), raw])
        # The pages learnt from move to the new dictionary, and with a site's first one
        # the rest of its pages stored before it, as many again at most (a crawl trains
        # between two batches, so a few hundred pages may be older than the samples;
        # `compact` moves any more, as it does older versions' pages).
        older = self._plain_bodies(site, besides={rowid for rowid, *_ in samples},
                                   limit=self.policy.sample_pages) if version == 1 else []
        rewritten = self.recompress(
            (rowid, body, codec, dictionary_id, next_id)
            for rowid, body, codec, dictionary_id in [*samples, *older]
            if dictionary_id != next_id)
        trained = TrainedDictionary(id=next_id, site=site, version=version,
                                    sample_pages=len(learn), ratio=ratio, because=because,
                                    rewritten=rewritten)
        log.info("%s", trained.describe())
        return trained

    def _plain_bodies(self, site: str, *, besides: set[int], limit: int
                      ) -> list[tuple[int, bytes, str, int | None]]:
        """``(rowid, body, codec, None)`` of the site's newest readable bodies stored
        without a dictionary, ``limit`` at most, but those of the rowids ``besides``."""
        rows = self._db.execute(
            "SELECT rowid, body, body_codec, dictionary_id FROM pages WHERE site = ? "
            "AND body IS NOT NULL AND dictionary_id IS NULL ORDER BY fetched_at DESC "
            "LIMIT ?", [site, limit + len(besides)]).fetchall()
        return self._readable([row for row in rows if row[0] not in besides][:limit])

    def _samples(self, site: str) -> list[tuple[int, bytes, str, int | None]]:
        """``(rowid, body, codec, dictionary id)`` of the site's newest readable pages."""
        rows = self._db.execute(
            "SELECT rowid, body, body_codec, dictionary_id FROM pages WHERE site = ? "
            "AND body IS NOT NULL AND (status IS NULL OR status BETWEEN 200 AND 299) "
            "ORDER BY fetched_at DESC LIMIT ?", [site, self.policy.sample_pages]).fetchall()
        return self._readable(rows)

    def _readable(self, rows: Iterable[tuple[int, bytes, str, int | None]]
                  ) -> list[tuple[int, bytes, str, int | None]]:
        """The rows with each body decompressed; one that cannot be read is left out
        (compact reports it; training and moving do without it)."""
        readable = []
        for rowid, blob, codec, dictionary_id in rows:
            try:
                readable.append((rowid, self.decompress(blob, codec, dictionary_id), codec,
                                 dictionary_id))
            except BodyUnreadable:
                continue
        return readable

    def recompress(self, rows: Iterable[tuple[int, bytes, str, int | None, int]]) -> int:
        """Store each ``(rowid, body, codec it has, dictionary it has, dictionary to use)``
        again with the new dictionary, in one transaction; how many were rewritten.

        The row is rewritten only if it still holds what was read (its codec and
        dictionary), and the new blob is read back first: nothing is stored that does
        not give back the same bytes.
        """
        count = 0
        with self._db.atomic():
            for rowid, body, codec, dictionary_id, target in rows:
                compressor, decompressor = self._dictionary(target)
                blob = compressor.compress(body)
                if decompressor.decompress(blob) != body:  # never, but never lose a page
                    raise BodyUnreadable(f"page {rowid}: recompressed body reads back wrong")
                count += self._rewrite_body(rowid, codec, dictionary_id,
                                            {"body": blob, "body_codec": ZSTD,
                                             "dictionary_id": target})
        return count

    def _rewrite_body(self, rowid: int, codec: str, dictionary_id: int | None,
                      new: dict[str, Any]) -> int:
        """The row deleted and inserted again (same rowid) with ``new`` values, if it still
        has ``codec`` and ``dictionary_id``: 1 if so. Not an UPDATE: SQLite merges pages
        after a delete but not after an update that shrinks a row, and a body moved to a
        dictionary is a fifth of its size; updated in place, the first pages of a crawl
        (stored before their site had a dictionary) kept one small row per 8 KB page
        (3 MB of a 3,000-page archive)."""
        cursor = self._db.execute(
            "DELETE FROM pages WHERE rowid = ? AND body_codec = ? AND dictionary_id IS ? "
            "RETURNING rowid, *", [rowid, codec, dictionary_id])
        rows = cursor.fetchall()
        if not rows:
            return 0
        values = {**dict(zip((column[0] for column in cursor.description), rows[0],
                             strict=True)), **new}
        self._db.execute(
            "INSERT INTO pages (" + ", ".join(values) + ") VALUES ("
            + ", ".join("?" for _ in values) + ")", list(values.values()))
        return 1

    def drift(self, site: str) -> str | None:
        """Why ``site`` needs a new dictionary version, or None: its newest pages stored
        with the current one compress much worse than that one did on held-out pages."""
        current = self._db.execute(
            "SELECT id, ratio FROM compression_dictionaries WHERE site = ? "
            "ORDER BY version DESC LIMIT 1", [site]).fetchone()
        if current is None or not current[1]:
            return None
        dictionary_id, baseline = int(current[0]), float(current[1])
        recent = self._recent.get(site)
        if recent is not None and recent[0] == dictionary_id \
                and len(recent[1]) >= self.policy.drift_sample_pages:
            # The bodies this process compressed last: the crawl's writer, no query.
            pages = len(recent[1])
            raw = sum(size for size, _ in recent[1])
            compressed = sum(size for _, size in recent[1])
        else:
            # Newest by fetched_at, not rowid: a page fetched again is updated in place.
            # length(body): SQLite reads a blob's size from the row header, not the blob.
            pages, raw, compressed = self._db.execute(
                "SELECT count(*), sum(body_size), sum(length(body)) FROM (SELECT body_size, "
                "body FROM pages WHERE dictionary_id = ? AND (status IS NULL OR status "
                "BETWEEN 200 AND 299) ORDER BY fetched_at DESC LIMIT ?)",
                [dictionary_id, self.policy.drift_sample_pages]).fetchone()
        if pages < self.policy.drift_sample_pages or not compressed:
            return None
        ratio = raw / compressed
        if ratio >= self.policy.drift_factor * baseline:
            return None
        return (f"its newest {pages} pages compress {ratio:.1f}x with dictionary "
                f"{dictionary_id}, which reached {baseline:.1f}x")

    def upkeep(self, site: str) -> TrainedDictionary | None:
        """Train ``site`` its first dictionary, or a new version when it drifted."""
        if self.current_dictionary(site) is None:
            pages = self.pages_of(site)
            if pages < self.policy.min_pages:
                return None
            return self.train(site, because=f"{pages} pages")
        because = self.drift(site)
        return self.train(site, because=because) if because is not None else None

    def drop_unused_dictionaries(self) -> int:
        """Delete the dictionaries no body needs and no site uses for new bodies."""
        with self._db.atomic():
            cursor = self._db.execute(
                "DELETE FROM compression_dictionaries WHERE id NOT IN ("
                "SELECT id FROM compression_dictionaries d WHERE version = (SELECT "
                "MAX(version) FROM compression_dictionaries WHERE site = d.site)) "
                "AND id NOT IN (SELECT dictionary_id FROM pages WHERE dictionary_id IS NOT NULL)")
        return cursor.rowcount


class DictionaryUpkeep:
    """The crawl writer's side: after each stored batch, train the sites that need it.

    Cheap between trainings: a site is looked at when it first appears in this
    process and then every ``drift_check_pages`` pages (a count query, or the
    newest pages' sizes); training takes a few hundred ms, a few times a crawl.
    """

    def __init__(self, store: BodyStore) -> None:
        self._store = store
        self._since_check: Counter[str] = Counter()

    def after_batch(self, sites: Sequence[str]) -> list[TrainedDictionary]:
        """``sites``: each stored body's site (one entry per body)."""
        if not self._store.has_codecs:
            return []
        trained = []
        policy = self._store.policy
        for site, count in Counter(sites).items():
            if not site:
                continue
            first_look = site not in self._since_check
            self._since_check[site] += count
            has_dictionary = self._store.current_dictionary(site) is not None
            due = policy.drift_check_pages if has_dictionary else policy.min_pages
            if not first_look and self._since_check[site] < due:
                continue
            self._since_check[site] = 0
            done = self._store.upkeep(site)
            if done is not None:
                trained.append(done)
        return trained
