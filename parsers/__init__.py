"""Pure page parsers: ``(body, url) -> AnswerPage``. No network, no database, no clock."""

from parsers import csdn_answer as _csdn_answer  # noqa: F401  (registers the profile)
from parsers.decoding import decode_html
from parsers.model import AnswerPage, ParseError, RecommendedResource, RelatedQuestion
from parsers.profile import (
    SiteProfile,
    UnknownProfile,
    canonical_url,
    get_profile,
    parse_page,
    profile_for_url,
    profile_names,
)

__all__ = [
    "AnswerPage",
    "ParseError",
    "RecommendedResource",
    "RelatedQuestion",
    "SiteProfile",
    "UnknownProfile",
    "canonical_url",
    "decode_html",
    "get_profile",
    "parse_page",
    "profile_for_url",
    "profile_names",
]
