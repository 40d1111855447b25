"""One stock across every channel, and price rules (issue 18).

``links`` groups listings of several accounts into items; ``ledger`` keeps what is on hand;
``reservations`` follows orders; ``plan`` works out what each channel is offered;
``propagate`` pushes it; ``prices`` plans and applies price rules.
"""

from __future__ import annotations
