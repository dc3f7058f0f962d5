"""The closed set of endpoint codes of CONTRACT.md, with what each one means."""

from __future__ import annotations

ENDPOINTS: dict[str, str] = {
    "OS": "overall survival",
    "EFS": "event-free survival",
    "LFS": "leukemia-free survival",
    "DFS": "disease-free survival",
    "RFS": "relapse-free survival",
    "PFS": "progression-free survival",
    "DOR": "duration of response or remission",
    "CR": "complete remission or response rate, incl. CR/CRi, sCR, >= CR",
    "MRD_NEG": "MRD negativity or MRD-negative remission rate",
    "ORR": "overall response rate (>= PR)",
    "VGPR_OR_BETTER": ">= VGPR rate",
    "MOLECULAR_RESPONSE": "molecular response rate",
    "NR": "non-response or refractory rate",
    "CCR": "continuous (long-term) complete remission",
    "RELAPSE": "relapse rate or cumulative incidence of relapse",
    "NRM": "non-relapse or treatment-related mortality, death in remission",
    "EARLY_DEATH": "death in induction",
    "HSCT_RATE": "proportion proceeding to transplant",
    "TREATMENT_COMPLETION": "proportion completing planned therapy",
    "CRS": "cytokine release syndrome incidence",
    "NEUROTOX": "neurotoxicity or ICANS incidence",
    "AGVHD": "acute GVHD incidence",
    "CGVHD": "chronic GVHD incidence",
    "ENGRAFTMENT": "engraftment rate",
    "AE": "any other adverse event (named in the record's event field)",
}


def endpoint_code(value: str) -> str:
    """The contract code for `value` (any case), or ValueError naming the allowed codes."""
    code = value.strip().upper()
    if code not in ENDPOINTS:
        raise ValueError(f"unknown endpoint {value!r}; allowed: {', '.join(ENDPOINTS)}")
    return code
