"""Reading a page's words and tables in page tests (no browser)."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<[^>]+>")


def words(body: str) -> str:
    """The page's text: tags dropped, entities decoded, blanks collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", body)).split())


def table_rows(body: str, caption: str | None = None) -> list[list[str]]:
    """The rows of the page's tables (or of the one whose caption is `caption`), each as its cells' words."""
    if caption is not None:
        tables = [t for t in re.findall(r"<table.*?</table>", body, re.S) if words(
            "".join(re.findall(r"<caption>(.*?)</caption>", t, re.S))) == caption]
        assert tables, f"no table captioned {caption!r}"
        body = tables[0]
    return [[words(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]
