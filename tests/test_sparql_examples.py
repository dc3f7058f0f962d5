"""The documented example queries (kb/sparql_examples/*.rq) and the README's SPARQL examples, run
against the corpus knowledge base through the live endpoint."""

from __future__ import annotations

import csv
import io
import re
import shlex

import pytest

from tests.conftest import REPO
from tests.sparql_server import Server

EXAMPLES = sorted((REPO / "kb" / "sparql_examples").glob("*.rq"))


def rows(server: Server, query: str) -> list[dict[str, str]]:
    response = server.client.post("/sparql", data={"query": query}, headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def expectations(query: str) -> list[dict[str, str]]:
    """The `# expect: column=value; column=value` lines of an example: each names a row it must give."""
    found = []
    for line in query.splitlines():
        if line.startswith("# expect:"):
            pairs = (part.split("=", 1) for part in line.removeprefix("# expect:").split(";"))
            found.append({name.strip(): value.strip() for name, value in pairs})
    return found


def _same(got: str, wanted: str) -> bool:
    try:
        return float(got) == float(wanted)
    except ValueError:
        return got == wanted


def test_the_examples_are_documented():
    assert len(EXAMPLES) >= 15
    for path in EXAMPLES:
        query = path.read_text(encoding="utf-8")
        assert query.startswith("# "), f"{path.name} has no comment saying what it asks"
        assert expectations(query), f"{path.name} says no answer it expects (# expect: column=value)"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_gives_its_expected_answer(corpus_server, path):
    query = path.read_text(encoding="utf-8")
    found = rows(corpus_server, query)
    for wanted in expectations(query):
        assert any(all(_same(row.get(k, ""), v) for k, v in wanted.items()) for row in found), (
            f"{path.name}: no row with {wanted}"
        )


def test_the_default_graph_is_a_set(corpus_server):
    # DISTINCT in a subquery rather than COUNT(DISTINCT *): Virtuoso 7.2's COUNT(DISTINCT *) came out
    # one short on a corpus whose triples are all distinct (24,090 of 24,091; SELECT DISTINCT and
    # the counts per graph gave 24,091), so it cannot tell a duplicate from its own slip
    total = rows(corpus_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]
    distinct = rows(
        corpus_server, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
    )
    assert total == distinct[0]["n"]
    cd19 = rows(
        corpus_server,
        "SELECT ?o WHERE { <https://w3id.org/hemekb/id/antigen/CD19>"
        " <http://purl.org/dc/terms/identifier> ?o }",
    )
    assert [row["o"] for row in cd19] == ["CD19"]


def test_outcomes_by_antigen_finds_ino_vate_all(corpus_server):
    found = rows(corpus_server, (REPO / "kb/sparql_examples/outcomes_by_antigen.rq").read_text())
    ino_vate = {
        (row["endpoint"], float(row["value"]))
        for row in found
        if row["study"] == "INO-VATE ALL" and row["value"]
    }
    assert ("CR", 80.7) in ino_vate and ("CR", 29.4) in ino_vate  # the CD22 arm and its comparator
    assert {row["antigen"] for row in found} == {"CD22"}


def test_results_with_ci_have_ordered_bounds(corpus_server):
    found = rows(corpus_server, (REPO / "kb/sparql_examples/results_with_ci.rq").read_text())
    bounded = [row for row in found if row["low"] and row["high"]]
    assert bounded
    assert all(float(row["low"]) <= float(row["high"]) for row in bounded)
    assert {row["level"] for row in found} <= {"", "0.95", "0.9", "0.99"}


def test_trials_per_drug_links_ncit(corpus_server):
    found = {
        row["drug"]: row
        for row in rows(corpus_server, (REPO / "kb/sparql_examples/trials_per_drug.rq").read_text())
    }
    assert int(found["blinatumomab"]["trials"]) >= 2
    assert found["blinatumomab"]["ncitConcept"] == "http://purl.obolibrary.org/obo/NCIT_C62528"


def test_outcomes_by_disease_and_line_count_each_result_once(corpus_server, corpus_home):
    by_disease = rows(corpus_server, (REPO / "kb/sparql_examples/outcomes_by_disease.rq").read_text())
    total = rows(
        corpus_server,
        "PREFIX hk: <https://w3id.org/hemekb/ontology#>\n"
        "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r hk:disease ?d ; hk:statistic/hk:value ?v }",
    )
    assert sum(int(row["results"]) for row in by_disease) == int(total[0]["n"])
    by_line = rows(corpus_server, (REPO / "kb/sparql_examples/outcomes_by_line_of_therapy.rq").read_text())
    assert any(row["line"] == "relapsed/refractory" for row in by_line)


def _readme_curls() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Linked data and SPARQL", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL):
        for command in block.replace("\\\n", " ").splitlines():
            if command.strip().startswith("curl ") and "127.0.0.1:8000" in command:
                commands.append(command.split(" # ")[0].split("          #")[0].strip())
    return commands


def test_the_readme_curl_examples_work(corpus_server):
    commands = _readme_curls()
    assert len(commands) >= 5
    for command in commands:
        args = shlex.split(command)[1:]
        method, url, headers, data = "GET", None, {}, []
        it = iter(args)
        for arg in it:
            if arg == "-H":
                name, _, value = next(it).partition(":")
                headers[name.strip()] = value.strip()
            elif arg == "-X":
                method = next(it)
            elif arg in ("--data", "--data-urlencode"):
                value = next(it)
                if arg == "--data-urlencode":
                    name, _, rest = value.partition("=")
                    if rest == "" and "@" in name:
                        name, _, file = name.partition("@")
                        rest = (REPO / file).read_text(encoding="utf-8")
                    data.append((name, rest))
                else:
                    data.append(value)
                method = "POST" if method == "GET" else method
            else:
                url = arg.replace("http://127.0.0.1:8000", corpus_server.url)
        if data and all(isinstance(d, tuple) for d in data):
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
            response = corpus_server.client.request(method, url, data=dict(data), headers=headers)
        elif data:
            response = corpus_server.client.request(method, url, content=data[0], headers=headers)
        else:
            response = corpus_server.client.request(method, url, headers=headers)
        assert response.status_code == 200, f"{command}: {response.status_code} {response.text[:300]}"
