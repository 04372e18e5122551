"""Bad user input on the command line or in qarchive.toml: one line, a non-zero exit."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.settings import SettingsError, load_settings
from qarchive.cli import cli

SEED = "http://127.0.0.1:9/answer/abcdefghij"


@pytest.mark.parametrize(("value", "reason"), [
    ("http://", "URL has no host: 'http://'"),
    ("", "empty"),
    ("exa mple.com", ""),
])
def test_a_bad_allow_host_is_one_line(tmp_path: Path, value: str, reason: str) -> None:
    result = CliRunner().invoke(cli, ["crawl", SEED, "--db", str(tmp_path / "a.db"),
                                      "--allow-host", value])
    assert result.exit_code == 2, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith(f"Error: Invalid value for --allow-host: allow_hosts: {value!r} "
                           "is not a host name (") and reason in last
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "a.db").exists()


@pytest.mark.parametrize(("toml", "message"), [
    ('allow_hosts = ["https://"]', "allow_hosts: 'https://' is not a host name"),
    ("sitemap_max_files = 0", "sitemap_max_files must be a whole number of at least 1, not 0"),
    ('sitemap_max_depth = "deep"', "sitemap_max_depth must be a whole number of at least 1"),
])
def test_bad_settings_in_the_file(tmp_path: Path, toml: str, message: str) -> None:
    config = tmp_path / "qarchive.toml"
    config.write_text(toml + "\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=message.replace("(", r"\(")):
        load_settings(config)
    result = CliRunner().invoke(cli, ["crawl", SEED, "--db", str(tmp_path / "a.db"),
                                      "--config", str(config)])
    assert result.exit_code == 1 and message in result.output.strip().splitlines()[-1]


def test_sample_site_refuses_a_crawl_delay_that_is_not_a_number() -> None:
    result = CliRunner().invoke(cli, ["sample-site", "--crawl-delay", "nan"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith(
        "Error: Invalid value for '--crawl-delay': must be a number of seconds")
