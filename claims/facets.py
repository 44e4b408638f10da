"""The facets: named parts of a claim's domain, each checked on its own with its own verdict.

A check names its facet with `@pytest.mark.facet(NAME)` (on a parameter, when
one test function covers several facets). The registry (claims.toml) says, per
claim, which facets are beyond the statement's scope (`beyond = {facet = "why"}`);
every other facet of the claim decides its verdict. A check with no facet mark
covers the claim's whole domain (facet "all").

A facet this torch cannot even express (a dtype it lacks) is skipped with a
reason that starts with DOMAIN: its verdict is not-run, and the compatibility
report labels the change where it appears as a change of the domain, not of the claim.

param() builds a parameter of one facet (its mark, its id, and the DOMAIN skip where
this torch lacks it); searched() gives a facet's check its own explicit examples and
its own Hypothesis search, when one test function covers several facets.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterable, Iterator

import numpy as np
import pytest

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
#: numpy dtypes of a torch twin's kind, stored in the other byte order (">i2" on a little-endian machine)
NON_NATIVE = "non-native byte order"

# layouts
CONTIGUOUS = "contiguous"
STRIDED = "transposed, sliced, expanded"
NEGATIVE_STRIDES = "negative strides"

# values
FINITE = "finite values"
SPECIAL = "signed zero, nan, inf"
DIVISION_BY_ZERO = "division by zero"
EMPTY = "empty and 0-d"
ZERO_D = "0-d"

# combinations that matter, each a facet of its own (a dtype with a kind of value)
FLOAT16_SPECIAL = "float16 signed zero, nan, inf"
COMPLEX_SPECIAL = "complex nan, inf"
INTEGER_DIVISION_BY_ZERO = "integer division by zero"
#: zero-size tensors only (where 0-d is a facet apart)
EMPTY_ONLY = "empty"
#: non-contiguous tensors of each dtype the builder makes (a layout facet keeps the ordinary dtype)
STRIDED_EVERY_DTYPE = "transposed, sliced, every dtype"
#: empty and 0-d arrays of each dtype (the shape facet keeps the ordinary dtype)
EMPTY_EVERY_DTYPE = "empty and 0-d, every dtype"

# autograd
REQUIRES_GRAD = "requires grad"
NO_GRAD = "no grad"

# datasets
EMPTY_DATASET = "empty dataset"
SAMPLES = "datasets with samples"

# machines
NO_CUDA = "no CUDA device"
GPUS = "two or more GPUs"

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


#: The dimensions of a claim's ordinary input (contiguous, finite, non-empty, of the default float
#: family) that each facet varies; a facet varies its own and keeps the others ordinary. A
#: combination facet varies two at once, named in its name.
ORDINARY = {"dtype": FLOAT, "layout": CONTIGUOUS, "values": FINITE, "shape": "non-empty"}
VARIES: dict = {family: {"dtype": family} for family in (BOOL, SIGNED, UINT8, WIDE_UNSIGNED, FLOAT16, FLOAT, COMPLEX)}
VARIES.update(
    {
        SPECIAL: {"values": SPECIAL},
        DIVISION_BY_ZERO: {"values": DIVISION_BY_ZERO},
        STRIDED: {"layout": STRIDED},
        NEGATIVE_STRIDES: {"layout": NEGATIVE_STRIDES},
        EMPTY: {"shape": EMPTY},
        EMPTY_ONLY: {"shape": EMPTY_ONLY},
        ZERO_D: {"shape": ZERO_D},
        FLOAT16_SPECIAL: {"dtype": FLOAT16, "values": SPECIAL},
        COMPLEX_SPECIAL: {"dtype": COMPLEX, "values": SPECIAL},
        INTEGER_DIVISION_BY_ZERO: {"dtype": SIGNED, "values": DIVISION_BY_ZERO},
        STRIDED_EVERY_DTYPE: {"dtype": "every dtype", "layout": STRIDED},
        EMPTY_EVERY_DTYPE: {"dtype": "every dtype", "shape": EMPTY},
    }
)


def dimensions(facet: str) -> dict:
    """The input a facet's checks draw: the ordinary one, with the facet's own dimensions changed."""
    return {**ORDINARY, **VARIES.get(facet, {})}


def family_of(dtype: np.dtype) -> str:
    """The dtype family a numpy dtype belongs to (NON_NATIVE for one in the other byte order)."""
    if not np.dtype(dtype).isnative:
        return NON_NATIVE
    for family, names in DTYPE_FAMILIES.items():
        if np.dtype(dtype).name in names:
            return family
    return NO_TWIN


#: A facet's share of the profile's examples: its domain is a part of the claim's.
FACET_SHARE = 3


def share(facet_count: int = 0) -> int:
    """How many examples one facet's search gets: max(profile / FACET_SHARE, profile / N) for a claim
    of N facets, so that a claim never searches less in all than one search of its whole domain did
    (20 per facet under `ci` for most claims), beside each facet's explicit examples."""
    import math

    from hypothesis import settings

    profile = settings().max_examples
    return max(10, profile // FACET_SHARE, math.ceil(profile / facet_count) if facet_count else 0)


def searched(check, examples: Iterable[dict], **strategies):
    """A facet's check as Hypothesis runs it: its own explicit examples first (each a dict of
    keyword arguments), then its own search of `strategies` (both by keyword), with the facet's
    share of the profile's examples (conftest.py gives the same to facet checks that pytest
    collects as Hypothesis tests themselves; these run inside a parametrized test)."""
    from hypothesis import example, given, settings

    test = settings(max_examples=share())(given(**strategies)(check))
    for kwargs in examples:
        test = example(**kwargs)(test)
    return test


def members(family: str, dtypes: Iterable[np.dtype]) -> tuple[np.dtype, ...]:
    """The dtypes of `dtypes` (those this torch supports, say) in a dtype family."""
    return tuple(np.dtype(d) for d in dtypes if family_of(d) == family)


def param(*values, facet: str, id: str | None = None, marks=(), outside: str | None = None):
    """A pytest.param of one facet: marked with it, its id naming it (by default the facet itself).

    `outside`, where given, says why this torch cannot express the facet (a dtype it lacks):
    the check is then skipped with a reason that starts with DOMAIN.
    """
    marks = [pytest.mark.facet(facet), *(marks if isinstance(marks, (list, tuple)) else [marks])]
    if outside is not None:
        marks.append(pytest.mark.skip(reason=DOMAIN + outside))
    return pytest.param(*values, id=facet if id is None else id, marks=marks)


#: A failing check's note that starts with this marks its facet's failure as coverage (the report's facet
#: `coverage`): the statement's own call refused a dtype or kernel of the facet, on an input the builder made.
COVERAGE = "coverage: "


@contextmanager
def coverage(evidence, facet: str, dtype: str) -> Iterator[None]:
    """Around the statement's call: where it refuses an input of a facet that varies the dtype, note it as coverage."""
    try:
        yield
    except Exception as exc:
        if "dtype" in VARIES.get(facet, {}):
            evidence.note(f"{COVERAGE}this torch refuses {dtype} input here ({type(exc).__name__})")
        raise
