"""claimcheck: check a document's statements by experiment, one verdict per claim.

The machinery here knows nothing about the library under test; the claims and
their checks live in a claims tree (claims/ in this repository).
"""

__version__ = "0.1.0"

from .finding import ClaimBroken, finding

__all__ = ["ClaimBroken", "__version__", "finding"]
