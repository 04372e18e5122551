"""Seeds from a file, and --follow-resources, against the sample site over real HTTP."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from click.testing import CliRunner
from crawl_helpers import fresh_archive, run

from qarchive.cli import cli
from sample_sites.testing import running_sample_site


def test_seeds_file_with_comments_and_depth_zero(tmp_path: Path) -> None:
    with running_sample_site(pages=60, request_log=tmp_path / "requests.jsonl") as site:
        seeds = site.answer_urls()[10:13]
        seeds_file = tmp_path / "seeds.txt"
        seeds_file.write_text("# three pages to start from\n\n" + "\n".join(seeds) + "\n",
                              encoding="utf-8")
        result = CliRunner().invoke(cli, [
            "crawl", "--seeds-file", str(seeds_file), "--max-depth", "0", "--delay", "0",
            "--db", str(tmp_path / "archive.db")])
        assert result.exit_code == 0, result.output
        paths = [entry["path"] for entry in site.request_log_entries()]
    assert paths[0] == "/robots.txt"
    assert sorted(paths[1:]) == sorted(urlsplit(url).path for url in seeds)
    bad = tmp_path / "bad.txt"
    bad.write_text("http://ok.example/answer/abcdefghij\nnot a url\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["crawl", "--seeds-file", str(bad),
                                      "--db", str(tmp_path / "archive.db")])
    assert result.exit_code == 2 and "bad.txt:2" in result.output


def test_recommended_resources_are_fetched_only_when_asked(tmp_path: Path) -> None:
    kinds = ("/doc/", "/download/", "/column/")
    with running_sample_site(pages=20, request_log=tmp_path / "requests.jsonl") as site:
        run(fresh_archive(tmp_path / "plain.db"), [site.root_url])
        plain = [entry["path"] for entry in site.request_log_entries()]
        assert not any(path.startswith(kinds) for path in plain)
        db = fresh_archive(tmp_path / "resources.db")
        run(db, [site.root_url], follow_resources=True)
        followed = [entry["path"] for entry in site.request_log_entries()][len(plain):]
    fetched_resources = {path for path in followed if path.startswith(kinds)}
    linked = {urlsplit(row[0]).path for row in db.execute(
        "SELECT url FROM resources WHERE kind IN ('doc', 'download', 'column')")}
    assert fetched_resources and fetched_resources <= linked
    # Resource pages are stored as pages but never parsed as answers.
    assert db.execute("SELECT count(*) FROM questions WHERE url LIKE '%/doc/%'").fetchone() == (0,)
