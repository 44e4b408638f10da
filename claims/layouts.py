"""Hypothesis strategies for arrays and tensors in every layout, as runnable recipes.

A drawn value is a recipe: a numpy base array plus the operations that give it
its layout (transpose, step-slice, flip, expand). Its repr is the Python that
builds it, so Hypothesis's falsifying example is a snippet a reader can paste.
"""

from __future__ import annotations

import functools
import math
from typing import Sequence

import numpy as np
import torch
from facets import CONTIGUOUS, NEGATIVE_STRIDES, STRIDED
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def _from_numpy_takes_empty() -> bool:
    """Does this torch's from_numpy take every zero-size array?

    torch 1.0 refuses one whose leading side is over 1 (np.zeros((2, 0))):
    "Trying to resize storage that is not resizable".
    """
    try:
        torch.from_numpy(np.zeros((2, 0), dtype="float32"))
        return True
    except Exception:  # observed, not looked up by version
        return False


FROM_NUMPY_TAKES_EMPTY = _from_numpy_takes_empty()


def tensor_copy(array) -> torch.Tensor:
    """A tensor with `array`'s dtype, shape and values, in memory torch owns.

    How the checks build inputs and expected values on every torch: from_numpy
    of a contiguous 1-d copy (which every torch takes, at any size), reshaped,
    then cloned, so no tensor the suite builds sits on memory numpy owns.
    """
    array = np.asarray(array)
    flat = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("=")).reshape(-1)
    return torch.from_numpy(flat).reshape(array.shape).clone()


def tensor_code(array: np.ndarray) -> str:
    """Python that builds the tensor `tensor_copy(array)` gives, on this torch."""
    if array.size == 0 and not FROM_NUMPY_TAKES_EMPTY:
        return f"torch.from_numpy({array_code(array.reshape(-1))}).reshape({tuple(array.shape)!r})"
    return f"torch.from_numpy({array_code(array)})"


def torch_dtype_for(dtype: np.dtype):
    """The torch dtype numpy's `dtype` should map to, or None when torch has no twin."""
    candidate = getattr(torch, dtype.name, None) if dtype.isnative else None
    return candidate if isinstance(candidate, torch.dtype) else None


def unbuildable(name: str) -> str | None:
    """Why the suite's input builder cannot build a tensor of numpy dtype `name` on this torch, or None.

    The one domain rule of the suite: a facet is outside this torch's domain only
    when its input cannot be built. The probe calls nothing but the builder
    (`tensor_copy`: from_numpy, reshape, clone), never an operation a claim is
    about, so a dtype torch stores but cannot add (float16 on the CPU before 1.6)
    is in the domain, and a claim whose call refuses it is broken, not skipped.
    """
    if not isinstance(getattr(torch, name, None), torch.dtype):
        return f"this torch has no torch.{name}"
    try:
        tensor_copy(np.zeros(2, dtype=name))
    except Exception as exc:  # the builder itself refuses the dtype: observed, never looked up by version
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return f"this torch cannot build a {name} tensor from a numpy array (torch.from_numpy: {type(exc).__name__}: {first[:160]})"
    return None


#: numpy names of the torch dtypes the suite computes with, and those torch documents as having only
#: limited support in eager mode (uint16/32/64), which some checks leave out.
FULL_NAMES = (
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
)
LIMITED_NAMES = ("uint16", "uint32", "uint64")
# numpy dtypes whose torch twin of the same name the builder makes on this torch.
NUMERIC_DTYPES = tuple(np.dtype(name) for name in (*FULL_NAMES, *LIMITED_NAMES) if unbuildable(name) is None)


#: torch dtypes numpy has no twin of, built from float32 arrays: the builder's one conversion
NO_NUMPY_TWIN = ("bfloat16",)


def tensor_of(shape: Sequence[int], name: str) -> torch.Tensor:
    """The builder for a tensor of torch dtype `name` (zeros): tensor_copy of a numpy array of its
    twin, or, for a dtype numpy lacks (bfloat16), of a float32 one converted with .to()."""
    if name in NO_NUMPY_TWIN:
        return tensor_copy(np.zeros(tuple(shape), dtype="float32")).to(getattr(torch, name))
    return tensor_copy(np.zeros(tuple(shape), dtype=name))


def tensor_of_code(shape: Sequence[int], name: str) -> str:
    """Python that builds what tensor_of(shape, name) gives."""
    built = f"torch.from_numpy(np.zeros({tuple(shape)!r}, dtype={'float32' if name in NO_NUMPY_TWIN else name!r}))"
    return f"{built}.to(torch.{name})" if name in NO_NUMPY_TWIN else built


def torch_unbuildable(name: str) -> str | None:
    """unbuildable() for torch dtypes, those numpy lacks included."""
    if name not in NO_NUMPY_TWIN:
        return unbuildable(name)
    if not isinstance(getattr(torch, name, None), torch.dtype):
        return f"this torch has no torch.{name}"
    try:
        tensor_of((2,), name)
    except Exception as exc:  # observed, never looked up by version
        return f"this torch cannot build a {name} tensor (.to(torch.{name}): {type(exc).__name__})"
    return None


def _literal(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (complex, np.complexfloating)):
        return f"complex({_literal(float(value.real))}, {_literal(float(value.imag))})"
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isnan(value):
            return "float('nan')"
        if math.isinf(value):
            return "float('inf')" if value > 0 else "-float('inf')"
        return repr(value)
    if isinstance(value, (np.datetime64, np.timedelta64)):
        return repr(int(value.astype("int64")))
    if isinstance(value, (bytes, np.bytes_)):
        return repr(bytes(value))
    if isinstance(value, (str, np.str_)):
        return repr(str(value))
    if isinstance(value, np.void):
        return repr(bytes(value.tobytes()))
    return repr(value.item() if hasattr(value, "item") else value)


def _negative_zeros(array: np.ndarray) -> bool:
    """Does a float or complex array hold a -0.0 (which np.zeros would not rebuild)?"""
    if array.dtype.kind == "f":
        return bool(np.any(np.signbit(array)))
    if array.dtype.kind == "c":
        return bool(np.any(np.signbit(array.real)) or np.any(np.signbit(array.imag)))
    return False


def array_code(array: np.ndarray) -> str:
    """Python that rebuilds `array` (contiguous, same dtype and values)."""
    dtype = repr(array.dtype.str)
    if array.size == 0 or (array.dtype.kind in "biufc" and not np.any(array) and not _negative_zeros(array)):
        return f"np.zeros({tuple(array.shape)!r}, dtype={dtype})"
    values = (
        [_literal(v) for v in array.ravel().tolist()]
        if array.dtype.kind not in "mMV"
        else [_literal(v) for v in array.ravel()]
    )
    if array.dtype.kind in "mM":
        body = "np.array([{}], dtype='int64').view({})".format(", ".join(values), dtype)
    elif array.dtype.kind == "V":
        body = "np.frombuffer(b''.join([{}]), dtype={})".format(", ".join(values), dtype)
    else:
        body = "np.array([{}], dtype={})".format(", ".join(values), dtype)
    return body if array.ndim == 1 else f"{body}.reshape({tuple(array.shape)!r})"


class Layout:
    """Operations that give a base array its layout, applied alike to numpy and torch."""

    def __init__(self, ops: Sequence[tuple[str, tuple]]) -> None:
        self.ops = tuple(ops)

    def numpy(self, array: np.ndarray) -> np.ndarray:
        for name, args in self.ops:
            if name == "transpose":
                array = np.swapaxes(array, *args)
            elif name == "slice":
                array = array[tuple(slice(*s) for s in args)]
            elif name == "expand":
                array = np.broadcast_to(array, args)
            elif name == "fortran":
                array = np.asfortranarray(array)
        return array

    def torch(self, tensor: torch.Tensor) -> torch.Tensor:
        for name, args in self.ops:
            if name == "transpose":
                tensor = tensor.transpose(*args)
            elif name == "slice":
                tensor = tensor[tuple(slice(*s) for s in args)]
            elif name == "expand":
                tensor = tensor.expand(*args)
            elif name == "fortran":
                raise ValueError("a Fortran-order layout has no torch spelling")
        return tensor

    def code(self) -> str:
        out = []
        for name, args in self.ops:
            if name == "transpose":
                out.append(".transpose({}, {})".format(*args))
            elif name == "slice":
                out.append("[{}]".format(", ".join(_slice_code(s) for s in args) + ("," if len(args) == 1 else "")))
            elif name == "expand":
                out.append(".expand({})".format(", ".join(map(str, args))))
        return "".join(out)


def _slice_code(spec) -> str:
    start, stop, step = spec
    text = "{}:{}".format("" if start is None else start, "" if stop is None else stop)
    return text + ("" if step in (None, 1) else f":{step}")


@st.composite
def layouts(
    draw,
    shape: tuple[int, ...],
    negative_steps: bool = False,
    expand: bool = True,
    fortran: bool = False,
    facet: str | None = None,
) -> Layout:
    """Zero to three layout operations valid for an array of `shape`.

    `facet` narrows them to one layout facet (facets.py): CONTIGUOUS, none;
    STRIDED, one to three with positive steps; NEGATIVE_STRIDES, any, then a
    slice that reverses one side (`shape` needs a side: see shapes_for).
    """
    if facet == CONTIGUOUS:
        return Layout([])
    if facet is not None:
        negative_steps = facet == NEGATIVE_STRIDES
    ops: list[tuple[str, tuple]] = []
    kinds = ["transpose", "slice"] + (["expand"] if expand else []) + (["fortran"] if fortran else [])
    for _ in range(draw(st.integers(1 if facet == STRIDED else 0, 3))):
        ndim = len(shape)
        kind = draw(st.sampled_from(kinds))
        if kind == "transpose" and ndim >= 2:
            # negative axes are part of the domain: transpose(-1, 0) == transpose(ndim-1, 0)
            a = draw(st.integers(-ndim, ndim - 1))
            b = draw(st.integers(-ndim, ndim - 1))
            ops.append(("transpose", (a, b)))
            shape = _swapped(shape, a, b)
        elif kind == "slice" and ndim >= 1:
            specs = []
            new_shape = []
            for size in shape:
                low = -3 if negative_steps else 1
                step = draw(_steps(low))
                start = draw(_starts(size))
                specs.append((start, None, step))
                new_shape.append(len(range(size)[slice(start, None, step)]))
            ops.append(("slice", tuple(specs)))
            shape = tuple(new_shape)
        elif kind == "expand":
            # grow size-1 sides, and maybe add a leading side: both give stride 0
            grown = tuple(draw(st.integers(1, 3)) if s == 1 else s for s in shape)
            if draw(st.booleans()):
                grown = (draw(st.integers(2, 3)), *grown)
            if grown:  # a 0-d tensor has nothing to expand
                ops.append(("expand", grown))
                shape = grown
        elif kind == "fortran" and ndim >= 2:
            ops.append(("fortran", ()))
    if facet == NEGATIVE_STRIDES and shape:
        axis = draw(st.integers(0, len(shape) - 1))
        step = draw(st.sampled_from([-1, -2, -3]))
        ops.append(("slice", tuple((None, None, step if i == axis else 1) for i in range(len(shape)))))
    return Layout(ops)


# Strategies are built once and reused: building one per draw (and Hypothesis
# reading a filter's lambda source each time) cost more than the checks did.
@functools.lru_cache(maxsize=None)
def _steps(low: int) -> st.SearchStrategy:
    """Non-zero slice steps from `low` to 3; shrinks towards 1."""
    return st.sampled_from([s for s in (1, 2, 3, -1, -2, -3) if s >= low])


@functools.lru_cache(maxsize=None)
def _starts(size: int) -> st.SearchStrategy:
    return st.none() | st.integers(0, max(size - 1, 0))


def _swapped(shape, a, b):
    shape = list(shape)
    shape[a], shape[b] = shape[b], shape[a]
    return tuple(shape)


@functools.lru_cache(maxsize=None)
def shapes(max_dims: int = 4, min_dims: int = 0, min_side: int = 0) -> st.SearchStrategy:
    """Every shape, 0-d and zero-size included; most have sides of 2 or more,
    where layouts differ from the contiguous one. `min_dims` and `min_side`
    narrow them (min_side=1: no zero-size shape)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=4) | hnp.array_shapes(
        min_dims=max(min_dims, 1), max_dims=max_dims, min_side=max(min_side, 2), max_side=4
    )


@functools.lru_cache(maxsize=None)
def empty_shapes(max_dims: int = 4) -> st.SearchStrategy:
    """0-d and zero-size shapes only (facets.EMPTY)."""
    return st.just(()) | hnp.array_shapes(min_dims=1, max_dims=max_dims, min_side=1, max_side=4).flatmap(
        lambda shape: st.integers(0, len(shape) - 1).map(lambda i: (*shape[:i], 0, *shape[i + 1 :]))
    )


def shapes_for(facet: str | None) -> st.SearchStrategy:
    """The shapes a layout facet draws: those with a side to transpose, slice or reverse, but for CONTIGUOUS."""
    return shapes() if facet in (None, CONTIGUOUS) else shapes(min_dims=1)


class ArrayCase:
    """A numpy array in some layout; repr is the numpy code that builds it."""

    def __init__(self, base: np.ndarray, layout: Layout) -> None:
        self.base, self.layout = base, layout

    def build(self) -> np.ndarray:
        return self.layout.numpy(self.base.copy())

    def __repr__(self) -> str:
        text = array_code(self.base)
        for name, args in self.layout.ops:
            if name == "fortran":
                text = f"np.asfortranarray({text})"
            elif name == "transpose":
                text = "np.swapaxes({}, {}, {})".format(text, *args)
            elif name == "expand":
                text = f"np.broadcast_to({text}, {args!r})"
            else:
                text += Layout([(name, args)]).code()
        return text


class TensorCase:
    """A tensor in some layout, with its numpy twin; repr is the torch code that builds it."""

    def __init__(self, base: np.ndarray, layout: Layout) -> None:
        self.base, self.layout = base, layout

    def build(self) -> torch.Tensor:
        return self.layout.torch(tensor_copy(self.base))

    def numpy(self) -> np.ndarray:
        return self.layout.numpy(self.base.copy())

    def __repr__(self) -> str:
        return tensor_code(self.base) + self.layout.code()


@functools.lru_cache(maxsize=None)
def values(dtype: np.dtype) -> st.SearchStrategy:
    """Elements including the special ones: nan, inf, -0.0, huge and tiny."""
    if dtype.kind in "fc":
        return hnp.from_dtype(dtype, allow_nan=True, allow_infinity=True, allow_subnormal=True)
    return hnp.from_dtype(dtype)


#: The special float values (facets.SPECIAL): signed zero, nan and the infinities.
SPECIAL_FLOATS = (-0.0, math.nan, math.inf, -math.inf)


@functools.lru_cache(maxsize=None)
def finite_values(dtype: np.dtype) -> st.SearchStrategy:
    """Elements but nan and the infinities (huge, tiny and signed zeros stay)."""
    if dtype.kind in "fc":
        return hnp.from_dtype(dtype, allow_nan=False, allow_infinity=False, allow_subnormal=True)
    return values(dtype)


@functools.lru_cache(maxsize=None)
def arrays(dtype: np.dtype, shape: tuple[int, ...], finite: bool = False) -> st.SearchStrategy:
    """Arrays of `dtype` and `shape`, special values included, unless `finite`: then no nan,
    no inf and no -0.0 (a real float facet's values). One strategy each, reused."""
    if finite and dtype.kind == "f":
        # -0.0 made +0.0 on the whole array: a map on the elements would stop
        # Hypothesis from filling arrays with one value, five times slower
        return hnp.arrays(dtype, shape, elements=finite_values(dtype)).map(_unsigned_zeros)
    return hnp.arrays(dtype, shape, elements=finite_values(dtype) if finite else _elements(dtype))


def _unsigned_zeros(array: np.ndarray) -> np.ndarray:
    return np.asarray(array + np.zeros((), array.dtype))  # -0.0 + 0.0 == +0.0; every other value unchanged


@st.composite
def arrays_holding(draw, dtype: np.dtype, shape: tuple[int, ...], among: Sequence, finite: bool = True) -> np.ndarray:
    """Arrays of `dtype` and `shape` (no zero side) with at least one element from `among`,
    the others finite unless `finite` is False: how a facet of special values or zero divisors is drawn."""
    base = draw(arrays(dtype, shape, finite)).copy()
    base.flat[draw(st.integers(0, base.size - 1))] = draw(st.sampled_from(list(among)))
    return base


def _elements(dtype: np.dtype):
    if dtype.kind in "biufc":
        return values(dtype)
    if dtype.kind == "O":
        return st.integers()  # any Python object would do; ints keep the repr short
    return None  # numpy's own strategy for dates, bytes and strings


@functools.lru_cache(maxsize=None)
def array_cases(
    dtype: np.dtype,
    negative_steps: bool = False,
    layout: str | None = None,
    shape_from: st.SearchStrategy | None = None,
) -> st.SearchStrategy:
    """Arrays of `dtype` in every layout, as ArrayCase recipes; `layout` narrows them to
    one layout facet (see layouts), `shape_from` to some shapes (default: shapes_for(layout))."""
    return _array_cases(dtype, negative_steps, layout, shape_from if shape_from is not None else shapes_for(layout))


@st.composite
def _array_cases(draw, dtype: np.dtype, negative_steps: bool, layout: str | None, shape_from) -> ArrayCase:
    shape = draw(shape_from)
    if dtype.kind == "V":  # raw bytes: numpy has no element strategy for them
        count = int(np.prod(shape))
        raw = draw(st.binary(min_size=count * dtype.itemsize, max_size=count * dtype.itemsize))
        base = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    else:
        base = draw(arrays(dtype, shape))
    return ArrayCase(base, draw(layouts(shape, negative_steps=negative_steps, expand=True, fortran=True, facet=layout)))


#: The ordinary tensor's dtype (torch's default) and shapes (with elements): what a layout facet keeps.
ORDINARY_DTYPES = (np.dtype("float32"),)


@st.composite
def tensor_cases(
    draw, dtypes: Sequence[np.dtype] = NUMERIC_DTYPES, layout: str | None = None, shape_from=None
) -> TensorCase:
    """Tensors of `dtypes` in every layout; `layout` narrows them to one layout facet (see layouts), where
    they are of the ordinary dtype with elements unless `dtypes` and `shape_from` say otherwise."""
    if layout is not None and dtypes is NUMERIC_DTYPES:
        dtypes = ORDINARY_DTYPES
    dtype = draw(st.sampled_from(list(dtypes)))
    shape = draw(
        shape_from if shape_from is not None else shapes() if layout is None else shapes(min_dims=1, min_side=1)
    )
    base = draw(arrays(dtype, shape))
    case = TensorCase(base, draw(layouts(shape, facet=layout)))
    return non_contiguous(case) if layout == STRIDED else case


def non_contiguous(case: TensorCase) -> TensorCase:
    """The case, made non-contiguous where its drawn operations left it contiguous (a transpose of equal
    sides, a slice of step 1): expanded along a new leading side of 2, whose stride is 0."""
    if not case.build().is_contiguous():
        return case
    return TensorCase(case.base, Layout([*case.layout.ops, ("expand", (2, *case.numpy().shape))]))


def facet_tensors(facet: str) -> st.SearchStrategy:
    """The tensors of a layout or shape facet: contiguous, non-contiguous, or empty and 0-d (facets.EMPTY),
    each of the ordinary dtype with the other dimensions ordinary."""
    from facets import EMPTY

    if facet == EMPTY:
        return tensor_cases(ORDINARY_DTYPES, layout=CONTIGUOUS, shape_from=empty_shapes())
    return tensor_cases(layout=facet)
