"""What the seller really earns: finance entries, returns, costs, unit economics.

The marketplaces' money reports (WB realization report, Ozon transactions, Yandex Market
order stats) are read by the connectors' ``finance`` streams and translated to signed
entries of one closed list of kinds by the ``[finance]`` section of each mapping file.
"""

from __future__ import annotations

# The closed list of entry kinds (issue 16). Amounts are signed from the seller's side:
# + money to the seller, − money the marketplace keeps.
KINDS = (
    "sale",
    "return",
    "commission",
    "logistics",
    "reverse_logistics",
    "storage",
    "acceptance",
    "penalty",
    "advertising",
    "compensation",
    "other",
)
FEE_KINDS = tuple(kind for kind in KINDS if kind not in ("sale", "return"))

__all__ = ["FEE_KINDS", "KINDS"]
