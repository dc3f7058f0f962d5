"""The outcome record (the contract), its RDF form (ontology, mapping, SHACL shapes) and the
checks of a record against its text."""
