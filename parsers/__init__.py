"""Pure page parsers: ``(body, url) -> AnswerPage``. No network, no database, no clock.

One module per site under ``parsers/sites/``, found by ``choose_profile``.
"""

from pathlib import Path


def _stale_compiled_modules(package: Path) -> list[str]:
    """Compiled modules under ``package`` older than the ``.py`` beside them, or with no
    ``.py`` left: Python would import them, not the code in the files."""
    stale = []
    for compiled in sorted(package.rglob("*.so")):
        source = compiled.with_name(compiled.name.partition(".")[0] + ".py")
        # 1 s of slack: an install writes a module's two files a moment apart.
        if not source.exists() or source.stat().st_mtime > compiled.stat().st_mtime + 1:
            stale.append(str((source if source.exists() else compiled).relative_to(
                package.parent)))
    return stale


# `pip install .` and `pip install -e .` compile the parsers with mypyc and leave the
# compiled modules beside their .py files (README, Development), where Python imports them
# first: in a source checkout, a parser edited since would run yesterday's code without a
# word. (An installed package has no pyproject.toml beside it: not checked there.)
_PACKAGE = Path(__file__).parent
if (_PACKAGE.parent / "pyproject.toml").exists() and (_stale := _stale_compiled_modules(_PACKAGE)):
    raise ImportError(
        f"{', '.join(_stale)} changed after it was compiled: run `pip install -e .` again "
        "(~1 min), or delete parsers/**/*.so to run the Python source")

from parsers.decoding import decode_html
from parsers.model import Answer, AnswerPage, ParseError, RecommendedResource, RelatedQuestion
from parsers.profile import (
    SiteProfile,
    UnknownProfile,
    canonical_url,
    choose_profile,
    parse_page,
    profile_names,
)

__all__ = [
    "Answer",
    "AnswerPage",
    "ParseError",
    "RecommendedResource",
    "RelatedQuestion",
    "SiteProfile",
    "UnknownProfile",
    "canonical_url",
    "choose_profile",
    "decode_html",
    "parse_page",
    "profile_names",
]
