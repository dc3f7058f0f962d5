"""What a figure or table is about, from its caption: "Рисунок 6 Сравнение БСВ в разных группах
риска" tells that the numbers of a sentence citing figure 6 are event-free survival."""

from __future__ import annotations

import re

from ingest.extract.lexicon import find_concepts
from kb.vocab import Concept

_FIGURE_WORDS = r"(?:рисун\w*|рис\.|figure|fig\.|şekil\w*|图|図)"
_REFERENCE = re.compile(rf"{_FIGURE_WORDS}\s*(?P<n>\d+)", re.I)
_CAPTION = re.compile(rf"^[ \t]*{_FIGURE_WORDS}\s*(?P<n>\d+)\b[ \t.:]*(?P<rest>.*)$", re.I | re.M)


def figure_endpoints(source: str) -> dict[str, Concept]:
    """Figure number -> the one endpoint its caption names (figures naming several are left out)."""
    out: dict[str, Concept] = {}
    for m in _CAPTION.finditer(source):
        following = source[m.end() : m.end() + 200].split("\n")[:3]
        caption = " ".join([m["rest"], *following])
        codes = {c.concept.id: c.concept for c in find_concepts(caption, "endpoints")}
        if len(codes) == 1 and m["n"] not in out:
            out[m["n"]] = next(iter(codes.values()))
    return out


def cited_figure(sentence: str) -> str | None:
    m = _REFERENCE.search(sentence)
    return m["n"] if m else None
