"""Find where a claim's verdict changes along an ordered list of versions, checking as few as possible."""

from __future__ import annotations

from typing import Callable, Tuple

Verdict = Tuple[str, str]  # (verdict, summary)


def bisect(
    versions: list[str], claim_id: str, observe: Callable[[str], dict[str, Verdict] | None]
) -> dict[str, object]:
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
            if observed is None or claim_id not in observed:
                raise LookupError(f"no verdict for {claim_id} at {version}")
            seen[version] = observed[claim_id]
        return seen[version]

    low, high = 0, len(versions) - 1
    first, last = verdict(low), verdict(high)
    if first[0] == last[0]:
        return {
            "claim": claim_id,
            "changed": False,
            "from": versions[low],
            "to": versions[high],
            "verdict": first,
            "checked": dict(seen),
        }
    while high - low > 1:
        middle = (low + high) // 2
        if verdict(middle)[0] == first[0]:
            low = middle
        else:
            high = middle
    return {
        "claim": claim_id,
        "changed": True,
        "before": versions[low],
        "after": versions[high],
        "verdict_before": verdict(low),
        "verdict_after": verdict(high),
        "checked": dict(seen),
    }
