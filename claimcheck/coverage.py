"""Which lines of the document are covered by claims, and which are listed as not claims."""

from __future__ import annotations

from .registry import Registry, RegistryError
from .tomlfile import read_toml


def load_statements(path: str) -> tuple[list[int], dict[int, str]]:
    """(non-blank line numbers, {line: reason it is not a claim}) from a statements file."""
    data = read_toml(path, "the statements file", RegistryError)
    nonblank = data.get("nonblank")
    if not isinstance(nonblank, list) or not all(isinstance(n, int) for n in nonblank):
        raise RegistryError(f"{path}: field 'nonblank' must be a list of line numbers")
    excluded: dict[int, str] = {}
    for index, table in enumerate(data.get("not_claim", [])):
        reason = table.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise RegistryError(f"{path}: not_claim #{index + 1}: missing field 'reason'")
        for line in table.get("lines", []):
            if line in excluded:
                raise RegistryError(f"{path}: not_claim #{index + 1}: line {line} is already listed")
            excluded[line] = reason
    return sorted(nonblank), excluded


def problems(registry: Registry, nonblank: list[int], excluded: dict[int, str]) -> list[str]:
    """Lines neither claimed nor excluded, and exclusions of lines that are claimed or blank."""
    claimed = {line for claim in registry.claims for line in claim.lines}
    out = []
    uncovered = [n for n in nonblank if n not in claimed and n not in excluded]
    if uncovered:
        out.append(f"lines {uncovered} are covered by no claim and not listed as not a claim")
    both = sorted(set(excluded) & claimed)
    if both:
        out.append(f"lines {both} are listed as not a claim but claims cite them")
    blank = sorted((set(excluded) | claimed) - set(nonblank))
    if blank:
        out.append(f"lines {blank} are blank in the document but cited or listed")
    return out
