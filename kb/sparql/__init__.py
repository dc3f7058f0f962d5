"""The read-only SPARQL 1.1 endpoint: protocol, limits, worker processes, service description, VoID.

The HTTP layer (api/routes/sparql.py) only parses the request and renders errors; everything here is
plain library code so that it can be tested and benchmarked without a server.
"""
