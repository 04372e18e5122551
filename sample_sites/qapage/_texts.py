"""Word pools of the QAPage site, beside the shared ones (``sample_sites/_texts.py``).

Plain data. Sentences never contain markup, so each survives text extraction whole.
"""

from __future__ import annotations

TITLE_TEMPLATES_EN = (
    "How to {task_en} with {a_en}",
    "What is the difference between {a_en} and {b_en}",
    "{a_en} raises {err}",
    "Why does {a_en} need so much memory",
    "How do I {task_en} in {a_en} without a loop?",
    "{a_en}: {err} when I try to {task_en}",
    "Is it possible to {task_en} using only {a_en}?",
    "Best way to {task_en} with {a_en} and {b_en}",
)

SENTENCES_EN = (
    "I am trying to {task_en} with {a_en}, but it fails with {err}.",
    "Here is what I have tried so far.",
    "The documentation of {a_en} does not say what happens in this case.",
    "Any help would be appreciated.",
    "This works for small inputs but not for large ones.",
    "You can do this with {a_en} directly, no need for {b_en}.",
    "The reason is that {a_en} caches the result of the first call.",
    "Note that this changed in recent versions of {a_en}.",
    "If you only need to {task_en} once, a simple loop is fine.",
    "This answer assumes you are on Linux; on Windows the paths differ.",
    "I measured both approaches and the second one is about twice as fast.",
    "Use a context manager so the resource is always released.",
)

TAGS = (
    "python", "pandas", "numpy", "pytorch", "tensorflow", "bert", "docker", "git", "mysql",
    "redis", "kubernetes", "nginx", "reactjs", "go", "rust", "sqlite", "python-asyncio",
    "linux", "bash", "java", "c++", "regex", "json", "http", "machine-learning",
    "预训练模型", "深度学习", "大模型",
)

USERS = (
    "Martijn Pieters", "张伟", "li.ming", "jdoe", "user3344", "Ana Souza", "王芳", "kevin_z",
    "deceze", "T.J. Crowder", "刘洋", "Mei Chen", "o.o", "ßtefan Müller", "qa_bot_7", "陈静",
)

CLOSE_REASONS = (
    "Needs details or clarity. Add details and clarify the problem by editing this post.",
    "Needs more focus. Update the question so it focuses on one problem only.",
    "Opinion-based. Update the question so it can be answered with facts and citations.",
    "Not reproducible or was caused by a typo.",
)
