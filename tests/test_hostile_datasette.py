"""Datasette over an archive, against hostile requests: huge values, huge responses,
error storms and writes. Through Datasette's in-process client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from datasette.app import Datasette
from datasette.plugins import pm
from test_publish import REFERENCE_ID, question_path
from tests_support import FIXTURES

from archive import open_archive
from crawler.importer import import_files
from publish import make_datasette


@pytest.fixture
async def ds(tmp_path: Path) -> AsyncIterator[Datasette]:
    db = open_archive(tmp_path / "archive.db")
    import_files(db, [FIXTURES / "answer-2kxyq3m7vd.html"])
    db.close()
    datasette = make_datasette(tmp_path / "archive.db")
    await datasette.invoke_startup()
    yield datasette
    for database in datasette.databases.values():
        database.close()


def _plugin() -> ModuleType:
    for plugin in pm.get_plugins():
        if isinstance(plugin, ModuleType) and hasattr(plugin, "MAX_RESPONSE_BYTES"):
            return plugin
    raise AssertionError("qarchive_plugin is not loaded")


def _sql(query: str) -> str:
    return "/archive.json?" + str(httpx.QueryParams({"sql": query}))


async def test_a_gigabyte_value_is_refused_at_once(ds: Datasette) -> None:
    response = await ds.client.get(_sql("select zeroblob(1000000000) as b"))
    assert response.status_code == 400
    assert len(response.content) < 1000
    assert "too big" in response.json()["error"]
    for query in ("select randomblob(100000000)", "select hex(zeroblob(20000000))"):
        response = await ds.client.get(_sql(query))
        assert response.status_code == 400 and "too big" in response.json()["error"], query
    # Stored values of normal size still read.
    response = await ds.client.get(_sql("select length(body) as n from pages") + "&_shape=array")
    assert response.status_code == 200 and response.json()[0]["n"] > 0


async def test_a_response_past_the_cap_is_refused(
        ds: Datasette, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_plugin(), "MAX_RESPONSE_BYTES", 2000)
    response = await ds.client.get(_sql("select zeroblob(5000) as b"))
    assert response.status_code == 413
    assert response.json()["ok"] is False and "larger than" in response.json()["error"]
    small = await ds.client.get(_sql("select 1 as n"))
    assert small.status_code == 200


async def test_error_pages_print_nothing_but_one_line(
        ds: Datasette, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    for path in ("/archive/no_such_table", "/archive/questions/no-such-id",
                 question_path("no-such-id"), question_path(REFERENCE_ID, "no.such.site"),
                 "/archive/no_such_table.json", "/nowhere"):
        response = await ds.client.get(path)
        assert response.status_code == 404, path
    out, err = capfd.readouterr()
    assert out == "" and err == "", err[:2000]
    # Bad SQL: Datasette's own one-line log of the query, no traceback.
    assert (await ds.client.get(_sql("select * from no_such_table"))).status_code == 400
    out, err = capfd.readouterr()
    assert out == "" and len(err.splitlines()) <= 1, err[:2000]

    async def broken(*args: object, **kwargs: object) -> dict[str, object]:
        raise RuntimeError("a bug\non two lines")

    monkeypatch.setattr(_plugin(), "_question_context", broken)
    response = await ds.client.get(question_path(REFERENCE_ID))
    assert response.status_code == 500
    assert "a bug" in response.text
    out, err = capfd.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"qarchive: GET {question_path(REFERENCE_ID)}: RuntimeError: a bug on two lines"], err


@pytest.mark.parametrize("path", ["/archive/questions/-/insert", "/archive/-/create",
                                  "/archive/questions/2kxyq3m7vd/-/delete",
                                  f"{question_path(REFERENCE_ID)}/-/delete"])
async def test_writes_are_a_plain_refusal(ds: Datasette, path: str) -> None:
    response = await ds.client.post(
        path, json={"row": {"id": "x", "title": "injected"}},
        headers={"Authorization": "Bearer x"})
    assert response.status_code == 405
    assert response.json() == {"ok": False, "error": "this archive is served read-only",
                               "status": 405}
    assert response.headers["allow"] == "GET, HEAD, OPTIONS"
    count = await ds.client.get(_sql("select count(*) as n from questions where id = 'x'")
                                + "&_shape=array")
    assert count.json() == [{"n": 0}]

