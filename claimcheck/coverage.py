"""Which lines of the document are covered by claims, and which are listed as not claims."""
from __future__ import annotations

from typing import Dict, List, Tuple

from .registry import Registry, RegistryError, tomllib


def load_statements(path: str) -> Tuple[List[int], Dict[int, str]]:
    """(non-blank line numbers, {line: reason it is not a claim}) from a statements file."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.loads(handle.read().decode("utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RegistryError("{}: cannot read the statements file: {}".format(path, exc))
    nonblank = data.get("nonblank")
    if not isinstance(nonblank, list) or not all(isinstance(n, int) for n in nonblank):
        raise RegistryError("{}: field 'nonblank' must be a list of line numbers".format(path))
    excluded: Dict[int, str] = {}
    for index, table in enumerate(data.get("not_claim", [])):
        reason = table.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise RegistryError("{}: not_claim #{}: missing field 'reason'".format(path, index + 1))
        for line in table.get("lines", []):
            if line in excluded:
                raise RegistryError("{}: not_claim #{}: line {} is already listed".format(path, index + 1, line))
            excluded[line] = reason
    return sorted(nonblank), excluded


def problems(registry: Registry, nonblank: List[int], excluded: Dict[int, str]) -> List[str]:
    """Lines neither claimed nor excluded, and exclusions of lines that are claimed or blank."""
    claimed = {line for claim in registry.claims for line in claim.lines}
    out = []
    uncovered = [n for n in nonblank if n not in claimed and n not in excluded]
    if uncovered:
        out.append("lines {} are covered by no claim and not listed as not a claim".format(uncovered))
    both = sorted(set(excluded) & claimed)
    if both:
        out.append("lines {} are listed as not a claim but claims cite them".format(both))
    blank = sorted((set(excluded) | claimed) - set(nonblank))
    if blank:
        out.append("lines {} are blank in the document but cited or listed".format(blank))
    return out
