"""A Stack Exchange-style Q&A site with schema.org ``QAPage`` markup (profile ``qapage``)."""
