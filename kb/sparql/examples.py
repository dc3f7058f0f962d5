"""The example queries of the SPARQL endpoint (kb/sparql_examples/*.rq), as data.

Each file starts with comment lines saying what it asks, then `# expect:` lines naming rows it must
give on the corpus (checked by tests/test_sparql_examples.py), then the query. The service
description publishes them as SHACL `sh:SPARQLExecutable` nodes (the convention of the SIB
sparql-examples), and the browser page of /sparql lists them with a form to run each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "sparql_examples"
_FORM = re.compile(r"^\s*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Example:
    name: str  # the file's stem, e.g. outcomes_by_antigen
    description: str  # the leading comment, as one paragraph
    query: str  # the whole file, comments included
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE

    @property
    def title(self) -> str:
        """The description's first sentence."""
        return re.split(r"(?<=[.:;])\s", self.description, maxsplit=1)[0].rstrip(":;")


def _example(path: Path) -> Example:
    text = path.read_text(encoding="utf-8")
    comment = []
    for line in text.splitlines():
        if not line.startswith("#") or line.startswith("# expect:"):
            break
        comment.append(line.lstrip("#").strip())
    form = _FORM.search(text)
    return Example(
        name=path.stem,
        description=" ".join(comment),
        query=text,
        form=form.group(1).upper() if form else "SELECT",
    )


@cache
def examples() -> tuple[Example, ...]:
    """Every example, by name."""
    return tuple(_example(path) for path in sorted(EXAMPLES_DIR.glob("*.rq")))
