"""claimcheck: check a document's statements by experiment, one verdict per claim.

The machinery here knows nothing about the library under test; the claims and
their checks live in a claims tree (claims/ in this repository).

pytest loads the plugin through the project's pytest11 entry point, and would
rewrite the asserts of this package, which `python -m claimcheck run` has
imported before pytest starts; nothing here asserts on a check's behalf, so
it is left as written (PYTEST_DONT_REWRITE).

The public surface for checks is `__all__`; a claims tree imports nothing
else from this package:

- `finding(call)`: a block whose exception is the subject's refusal (the claim breaks), not a bug of the check;
- `ClaimBroken`: raised by a check that saw the subject fail elsewhere (in a subprocess, say);
- `Counterexample`: a wrong answer, with one plain sentence and a script that reproduces it;
- `load_registry(path)`: the claim registry, for checks that read what a claim says it is compared with;
- `evaluable(line)`, `strip_ansi(text)`: a repr spelled as code that runs, a message without terminal colours,
  for checks that write their own reproduction;
- `Evidence`: the type of the `evidence` fixture (notes and measured figures);
- `quantity(value, unit)`: a figure written as reports write it (times in s, ms, µs or ns);
- `warm_interpreter(preload)`, `Finished`: scripts run in fresh processes forked from one interpreter that
  imported the subject once (see claimcheck.warm);
- `warnings_once(config, eligible)`: the subject shows some warnings once per process; eligible checks that saw
  no deprecation look for one again where nothing ran before (see claimcheck.pristine).
"""

from __future__ import annotations

from typing import Any

from .finding import ClaimBroken, Counterexample, finding

__version__ = "0.1.0"

__all__ = [
    "ClaimBroken",
    "Counterexample",
    "Evidence",
    "Finished",
    "__version__",
    "evaluable",
    "finding",
    "load_registry",
    "quantity",
    "strip_ansi",
    "warm_interpreter",
    "warnings_once",
]

_LAZY = {
    "Evidence": ("recorder", "Evidence"),  # imports pytest: only when a check asks
    "quantity": ("render.text", "quantity"),
    "load_registry": ("registry", "load_registry"),
    "evaluable": ("evidence", "evaluable"),
    "strip_ansi": ("evidence", "strip_ansi"),
    "warm_interpreter": ("warm", "shared"),
    "Finished": ("warm", "Finished"),
    "warnings_once": ("recorder", "warnings_once"),
}


def __getattr__(name: str) -> Any:  # PEP 562: Python 3.7+
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(f".{module}", __name__), attribute)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
