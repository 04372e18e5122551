"""Site profiles, one module per site, found by walking this package.

Adding a site is adding a module here (and its layout under ``sample_sites/``):
the module exposes ``PROFILE``, an object with the ``SiteProfile`` attributes
(``parsers/profile.py``). Nothing registers it; ``parsers.choose_profile``
finds it the first time a profile is needed. Modules whose names start with
``_`` are helpers, not profiles.

Other packages add sites without touching this one through the entry-point
group ``qarchive.profiles``; an entry point names a profile object or a
module with ``PROFILE``::

    [project.entry-points."qarchive.profiles"]
    example = "qarchive_example:PROFILE"
"""
