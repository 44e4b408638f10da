"""Find where a claim's verdict changes along an ordered list of versions, checking as few as possible."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence, Tuple

from .matrix import Loaded, same_version
from .registry import Registry

Verdict = Tuple[str, str]  # (verdict, summary)


class BisectError(Exception):
    """The search cannot start or go on; the message names the claim id or version and what to do."""


@dataclass(frozen=True)
class BisectResult:
    """Where a claim's verdict changed: between `before` and `after` when `changed`, else equal at both ends."""

    claim: str
    changed: bool
    before: str  # the last version with the first verdict (or the first end, when nothing changed)
    after: str  # the first version with the new verdict (or the last end)
    verdict_before: Verdict
    verdict_after: Verdict
    checked: dict[str, Verdict]  # every version looked at, and what it said


def bisect(versions: list[str], claim_id: str, observe: Callable[[str], dict[str, Verdict] | None]) -> BisectResult:
    """Binary search between the first and last version for the first one whose verdict differs.

    `observe(version)` returns {claim id: (verdict, summary)} for that version
    (from a report on disk, or by running the claims), or None if it could not.
    Assumes one change between the ends, as a binary search must; the result
    lists every version it looked at, so a reader can see what was assumed.
    """
    seen: dict[str, Verdict] = {}

    def verdict(index: int) -> Verdict:
        version = versions[index]
        if version not in seen:
            observed = observe(version)
            if observed is None:
                raise BisectError(f"no report of torch {version} could be read or made; see the messages above")
            if claim_id not in observed:
                raise BisectError(f"the report of torch {version} has no verdict for claim '{claim_id}'")
            seen[version] = observed[claim_id]
        return seen[version]

    low, high = 0, len(versions) - 1
    first, last = verdict(low), verdict(high)
    if first[0] == last[0]:
        return BisectResult(claim_id, False, versions[low], versions[high], first, last, dict(seen))
    while high - low > 1:
        middle = (low + high) // 2
        if verdict(middle)[0] == first[0]:
            low = middle
        else:
            high = middle
    return BisectResult(claim_id, True, versions[low], versions[high], verdict(low), verdict(high), dict(seen))


def facet_key(claim_id: str, facet: str) -> str:
    """What `bisect` searches for a facet: the key verdicts_on_disk gives its verdict under."""
    return f"{claim_id} :: {facet}"


def check_claim_id(registry: Registry, claim_id: str) -> None:
    """Refuse an id the registry does not know, before anything is installed."""
    if claim_id not in registry:
        raise BisectError(f"claim '{claim_id}' is not in {registry.path}{registry.did_you_mean(claim_id, n=3)}")


def verdicts_on_disk(loaded: Loaded, version: str) -> dict[str, Verdict] | None:
    """{claim id: (verdict, summary)} from the one report of `version` on disk; None when there is none.

    Two reports of one version (two builds, say) are refused, naming both: which
    one the search should believe is for a person to say.
    """
    found = same_version(loaded, version)
    if len(found) > 1:
        raise BisectError(
            "torch {} has {} reports: {}; move all but one aside and bisect again".format(
                version, len(found), ", ".join(path for path, _r in found)
            )
        )
    if not found:
        return None
    out: dict[str, Verdict] = {}
    for claim in found[0][1].claims:
        out[claim.id] = (claim.verdict, claim.summary)
        out.update((facet_key(claim.id, f.name), (f.verdict, f.summary)) for f in claim.facets)
    return out


def missing(loaded: Loaded, versions: Sequence[str]) -> list[str]:
    """The versions with no report on disk: each would cost an install of torch (several GB) to check."""
    return [v for v in versions if not same_version(loaded, v)]
