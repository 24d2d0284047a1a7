"""Markdown written by the course (question prompts) as the HTML a page shows.

In:  Markdown text from a homework's catalogue.
Out: ``markdown_html``: safe HTML (``markupsafe.Markup``). CommonMark with tables, through
     markdown-it-py with raw HTML disabled: ``<script>`` or any tag in the text is shown as
     text, and links whose scheme markdown-it refuses (``javascript:``, ``data:`` other than
     images) are not made links.
"""

from __future__ import annotations

import functools

from markdown_it import MarkdownIt
from markupsafe import Markup


@functools.lru_cache(maxsize=1024)
def markdown_html(text: str) -> Markup:
    """``text`` rendered: ``**bold**``, backticks, lists, tables; every HTML tag escaped.
    Memoized: each question's prompt is the same on every student's page."""
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    return Markup(parser.render(text))
