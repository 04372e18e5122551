"""The `qarchive` command: the group; each command lives in its own module in qarchive/commands/.

Importing it loads neither the sample site, uvicorn nor Datasette: the commands
that need them import them when they run.
"""

from __future__ import annotations

import click

from qarchive import __version__
from qarchive.commands.compact import compact_command
from qarchive.commands.crawl import crawl_command
from qarchive.commands.demo import demo_command
from qarchive.commands.export_warc import export_warc_command
from qarchive.commands.import_pages import import_command
from qarchive.commands.parse import parse_command
from qarchive.commands.reparse import reparse_command
from qarchive.commands.runs import runs_command
from qarchive.commands.sample_site import sample_site_command
from qarchive.commands.search import search_command
from qarchive.commands.serve import serve_command
from qarchive.commands.watch import watch_command

__all__ = ["cli"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qarchive")
def cli() -> None:
    """qarchive: crawl technical Q&A pages politely into a SQLite archive.

    \b
    Example:
        qarchive demo
        qarchive parse saved-page.html --url https://wenku.csdn.net/answer/2kxyq3m7vd
    """


for _command in (compact_command, crawl_command, demo_command, export_warc_command,
                 import_command, parse_command, reparse_command, runs_command,
                 sample_site_command, search_command, serve_command, watch_command):
    cli.add_command(_command)


if __name__ == "__main__":
    cli()
