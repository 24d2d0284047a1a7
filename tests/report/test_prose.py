"""Question prompts are Markdown rendered with every HTML tag of the text escaped."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from graders.report.prose import markdown_html

TAGS = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
ALLOWED = {
    "p", "strong", "em", "code", "pre", "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5",
    "h6", "blockquote", "hr", "br", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


def test_markdown_is_rendered_and_html_is_text() -> None:
    html = markdown_html("**CIFAR-10 with data augmentation.** Use `torch.flip`.\n\n- one\n- two")
    assert "<strong>CIFAR-10 with data augmentation.</strong>" in html
    assert "<code>torch.flip</code>" in html and "<li>two</li>" in html
    assert "**" not in html and "`" not in html
    hostile = markdown_html('<script>alert(1)</script> <img src=x onerror="alert(1)">')
    assert "<script" not in hostile and "&lt;script&gt;" in hostile and "<img" not in hostile
    assert "href" not in markdown_html("[x](javascript:alert(1))")


@given(
    st.text(alphabet=st.sampled_from(list("<>/=\"' *`_[]()!#-\nabscriptimgonerr:")), max_size=80)
)
def test_no_tag_of_the_text_survives(text: str) -> None:
    html = str(markdown_html(text))
    assert {name.lower() for _, name in TAGS.findall(html)} <= ALLOWED
    assert "javascript:" not in re.sub(r"<[^>]*>", "", html) or 'href="javascript' not in html
    assert not re.search(r"<[^>]+\son\w+=", html)  # no event handler attribute
