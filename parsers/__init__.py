"""Pure page parsers: ``(body, url) -> AnswerPage``. No network, no database, no clock.

One module per site under ``parsers/sites/``, found by ``choose_profile``.
"""

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
