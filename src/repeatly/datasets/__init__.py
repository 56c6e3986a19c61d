"""Data to try Repeatly on and to test it against.

:func:`make_shop` draws a synthetic shop whose customers follow known (planted)
behaviour, so results can be scored against the truth; :func:`load_cdnow` and
:func:`load_donations` return the public reference data of the customer-base
literature, bundled with the package. :func:`campaign_response` plants a campaign's
response on a shop (who buys in its window because of it, and who anyway), for
:func:`repeatly.jobs.campaign_history`.
"""

from repeatly.datasets._cdnow import load_cdnow, load_cdnow_summary, load_donations
from repeatly.datasets._response import PlantedResponse, campaign_response
from repeatly.datasets._shop import CATEGORIES, TYPES, Shop, make_shop

__all__ = [
    "CATEGORIES",
    "TYPES",
    "PlantedResponse",
    "Shop",
    "campaign_response",
    "load_cdnow",
    "load_cdnow_summary",
    "load_donations",
    "make_shop",
]
