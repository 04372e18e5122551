"""The code's layout promises: a thin command line that loads heavy parts only when used,
and site profiles discovered (package walk and entry points), chosen by one function."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import parsers.profile
from parsers import AnswerPage, UnknownProfile, choose_profile, profile_names
from parsers.sites.csdn import PROFILE as CSDN

ROOT = Path(__file__).parent.parent


def test_importing_the_command_line_loads_no_sample_site_server_or_datasette() -> None:
    code = ("import sys, qarchive.cli; print(sorted(name for name in sys.modules if "
            "name.split('.')[0] in {'sample_sites', 'uvicorn', 'datasette', 'starlette'} "
            "or name.startswith('parsers.sites')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_one_module_per_command() -> None:
    from qarchive.cli import cli

    modules = {path.stem for path in (ROOT / "qarchive" / "commands").glob("*.py")} - {"__init__"}
    assert modules == {"compact", "crawl", "demo", "export_warc", "import_pages", "parse",
                       "reparse", "runs", "sample_site", "search", "serve", "watch"}
    assert len(cli.commands) == len(modules)
    for command in cli.commands.values():
        assert command.callback is not None
        assert command.callback.__module__.startswith("qarchive.commands.")


def test_choose_profile_by_name_and_by_url() -> None:
    assert "csdn-answer" in profile_names()
    assert choose_profile("https://wenku.csdn.net/answer/2kxyq3m7vd") is CSDN
    assert choose_profile("http://127.0.0.1:8765/answer/2kxyq3m7vd") is CSDN  # path shape alone
    assert choose_profile("https://example.org/anything", name="csdn-answer") is CSDN
    with pytest.raises(UnknownProfile, match=re.escape("unknown profile 'nope' (known: ")):
        choose_profile("https://wenku.csdn.net/answer/2kxyq3m7vd", name="nope")
    with pytest.raises(UnknownProfile, match="no site profile knows pages like"):
        choose_profile("https://example.org/questions/1")


class _ExampleProfile:
    name = "example-test"
    parser_version = 1
    hosts = ("qa.example.org",)
    page_path = re.compile(r"^/q/\d+$")

    def parse(self, body: bytes | str, url: str, *, charset: str | None = None) -> AnswerPage:
        raise NotImplementedError

    def resource_kind(self, url: str) -> str:
        return "unknown"


EXAMPLE_PROFILE = _ExampleProfile()


@pytest.fixture
def fresh_discovery(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[EntryPoint]]:
    """Discovery run again, with the entry points the test puts in the list."""
    installed: list[EntryPoint] = []
    monkeypatch.setattr(parsers.profile, "entry_points",
                        lambda *, group: [ep for ep in installed if ep.group == group])
    monkeypatch.setattr(parsers.profile, "_discovered", None)
    yield installed
    monkeypatch.setattr(parsers.profile, "_discovered", None)


def test_entry_points_add_profiles(fresh_discovery: list[EntryPoint]) -> None:
    fresh_discovery.append(EntryPoint(name="example", value=f"{__name__}:EXAMPLE_PROFILE",
                                      group="qarchive.profiles"))
    assert profile_names() == ["csdn-answer", "discourse", "example-test", "qapage",
                               "stackexchange", "zhihu"]
    assert choose_profile("https://qa.example.org/q/12").name == "example-test"
    assert choose_profile("https://wenku.csdn.net/answer/2kxyq3m7vd") is CSDN


def test_two_profiles_with_one_name_are_an_error(fresh_discovery: list[EntryPoint]) -> None:
    fresh_discovery.append(EntryPoint(name="again", value="parsers.sites.csdn",
                                      group="qarchive.profiles"))
    with pytest.raises(RuntimeError, match="two site profiles are named 'csdn-answer'"):
        profile_names()
