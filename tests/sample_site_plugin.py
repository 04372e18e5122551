"""pytest fixtures that serve the bundled sample site on 127.0.0.1.

Enabled from ``tests/conftest.py`` with ``pytest_plugins = ["sample_site_plugin"]``.

``sample_site``: a running site, 200 pages, seed 0, no faults, unless the test says
otherwise with a marker, e.g.::

    @pytest.mark.sample_site(pages=50, seed=3, faults=["429"], epoch=1)
    def test_something(sample_site): ...

    @pytest.mark.sample_site(site="qapage")     # the Stack Exchange-style QAPage site
    def test_questions(sample_site): ...

``client``: one ``httpx.Client`` per test module, with a test user agent, to talk to
the sites with.

``sample_site_factory``: start as many sites as a test needs, each with its own
options (those of ``sample_sites.running_sample_site``); all stop at teardown::

    def test_two_epochs(sample_site_factory, tmp_path):
        site = sample_site_factory(pages=100, request_log=tmp_path / "requests.jsonl")
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sample_sites import RunningSampleSite, SampleSiteFactory

# Small enough to start and crawl in well under a second.
TEST_SITE_PAGES = 200


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sample_site(**options): options for the sample_site fixture "
        "(site, pages, seed, faults, epoch, crawl_delay, request_log, layouts, layout_switch)",
    )


@pytest.fixture
def sample_site_factory() -> Iterator[SampleSiteFactory]:
    factory = SampleSiteFactory(pages=TEST_SITE_PAGES)
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture
def sample_site(
    request: pytest.FixtureRequest, sample_site_factory: SampleSiteFactory
) -> RunningSampleSite:
    marker = request.node.get_closest_marker("sample_site")
    options = dict(marker.kwargs) if marker else {}
    return sample_site_factory(**options)


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5, headers={"user-agent": "qarchive-tests/1"}) as c:
        yield c
