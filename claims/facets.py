"""The facets: named parts of a claim's domain, each checked on its own with its own verdict.

A check names its facet with `@pytest.mark.facet(NAME)` (on a parameter, when
one test function covers several facets). The registry (claims.toml) says, per
claim, which facets are beyond the statement's scope (`beyond = {facet = "why"}`);
every other facet of the claim decides its verdict. A check with no facet mark
covers the claim's whole domain (facet "all").

A facet this torch cannot even express (a dtype it lacks) is skipped with a
reason that starts with DOMAIN: its verdict is not-run, and the compatibility
report labels the change where it appears as a change of the domain, not of the claim.
"""

from __future__ import annotations

import numpy as np

#: Skip reasons that start with this mark a facet outside this torch's domain.
DOMAIN = "domain: "

# dtype families
BOOL = "bool"
SIGNED = "signed ints"
UINT8 = "uint8"
WIDE_UNSIGNED = "wider unsigned ints"
FLOAT16 = "float16"
BFLOAT16 = "bfloat16"
FLOAT = "float32/64"
COMPLEX = "complex"
#: numpy dtypes without a torch twin (str, bytes, object, datetime64, float128, ...)
NO_TWIN = "numpy dtypes without a torch twin"

# layouts
CONTIGUOUS = "contiguous"
STRIDED = "transposed, sliced, expanded"
NEGATIVE_STRIDES = "negative strides"

# values
FINITE = "finite values"
SPECIAL = "signed zero, nan, inf"
DIVISION_BY_ZERO = "division by zero"
EMPTY = "empty and 0-d"

# autograd
REQUIRES_GRAD = "requires grad"
NO_GRAD = "no grad"

#: numpy dtype names in each dtype family, in the order reports list them.
DTYPE_FAMILIES = {
    BOOL: ("bool",),
    SIGNED: ("int8", "int16", "int32", "int64"),
    UINT8: ("uint8",),
    WIDE_UNSIGNED: ("uint16", "uint32", "uint64"),
    FLOAT16: ("float16",),
    FLOAT: ("float32", "float64"),
    COMPLEX: ("complex64", "complex128"),
}


def family_of(dtype: np.dtype) -> str:
    """The dtype family a numpy dtype belongs to."""
    for family, names in DTYPE_FAMILIES.items():
        if np.dtype(dtype).name in names:
            return family
    return NO_TWIN
