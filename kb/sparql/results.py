"""Query answers as bytes in the SPARQL 1.1 result formats (JSON, XML, CSV, TSV) and RDF formats.

Solutions are serialized here rather than by pyoxigraph's `QuerySolutions.serialize` because the
result cap must see every row first: an answer is either complete or refused, never cut short.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

from kb.model.rdf_mapping import PREFIXES
from kb.store.base import Term

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

Solutions = tuple[list[str], Sequence[Sequence[Term | None]]]

_RDF_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "jsonld": RdfFormat.JSON_LD,
    "ntriples": RdfFormat.N_TRIPLES,
    "rdfxml": RdfFormat.RDF_XML,
}


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    raise ValueError(f"Unexpected term in a solution: {term!r}")


def _xml_term(term: Term) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    raise ValueError(f"Unexpected term in a solution: {term!r}")


def _csv_term(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return term.value


def _tsv_term(term: Term | None) -> str:
    # TSV cells are terms in Turtle/N-Triples syntax; str() of a pyoxigraph term is exactly that.
    return "" if term is None else str(term)


def solutions_bytes(fmt: str, variables: list[str], rows: Sequence[Sequence[Term | None]]) -> bytes:
    if fmt == "json":
        bindings = [
            {name: _json_term(term) for name, term in zip(variables, row, strict=True) if term is not None}
            for row in rows
        ]
        body = {"head": {"vars": variables}, "results": {"bindings": bindings}}
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        out = io.StringIO()
        out.write('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>')
        out.writelines(f"<variable name={quoteattr(name)}/>" for name in variables)
        out.write("</head>\n<results>\n")
        for row in rows:
            out.write("<result>")
            for name, term in zip(variables, row, strict=True):
                if term is not None:
                    out.write(f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>")
            out.write("</result>\n")
        out.write("</results>\n</sparql>\n")
        return out.getvalue().encode("utf-8")
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(variables)
        writer.writerows([_csv_term(term) for term in row] for row in rows)
        return out.getvalue().encode("utf-8")
    if fmt == "tsv":
        lines = ["\t".join(f"?{name}" for name in variables)]
        lines.extend("\t".join(_tsv_term(term) for term in row) for row in rows)
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise ValueError(f"Unexpected solutions format: {fmt!r}")


def boolean_bytes(fmt: str, value: bool) -> bytes:
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if fmt == "xml":
        text = "true" if value else "false"
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{text}</boolean></sparql>\n"
        ).encode()
    raise ValueError(f"Unexpected boolean format: {fmt!r}")


def graph_bytes(fmt: str, triples: Sequence[Triple], prefixes: dict[str, str] | None = None) -> bytes:
    """Triples (duplicates dropped, order kept) in an RDF format; Turtle and RDF/XML use prefixes."""
    rdf_format = _RDF_FORMATS.get(fmt)
    if rdf_format is None:
        raise ValueError(f"Unexpected graph format: {fmt!r}")
    unique = list(dict.fromkeys(triples))
    if rdf_format in (RdfFormat.TURTLE, RdfFormat.RDF_XML):
        return serialize(unique, format=rdf_format, prefixes=prefixes or PREFIXES)
    return serialize(unique, format=rdf_format)
