"""Registry loading: every error names the file, the claim id and the field."""

from __future__ import annotations

import hashlib
import os

import pytest

from claimcheck.registry import RegistryError, check_against_document, load_registry
from conftest import DOCUMENT, REGISTRY_HEAD, claim_table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _write(tmp_path, *claims, head=None):
    path = tmp_path / "claims.toml"
    sha = hashlib.sha256(DOCUMENT.encode()).hexdigest()
    path.write_text((head if head is not None else REGISTRY_HEAD.format(sha=sha)) + "".join(claims))
    return str(path)


def _error(path):
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    return str(caught.value)


def test_a_valid_registry_loads(tmp_path):
    registry = load_registry(
        _write(tmp_path, claim_table("demo.a"), claim_table("demo.b", lines=(6, 4), section="Old things"))
    )
    assert [c.id for c in registry.claims] == ["demo.a", "demo.b"]
    claim = registry.get("demo.b")
    assert claim is not None and claim.lines == (4, 6)
    assert registry.sections() == ["Numbers", "Old things"]


def test_duplicate_id(tmp_path):
    message = _error(_write(tmp_path, claim_table("demo.a"), claim_table("demo.a")))
    assert "claims.toml: claim 'demo.a': duplicate id (claims #1 and #2)" in message


def test_line_outside_the_document(tmp_path):
    message = _error(_write(tmp_path, claim_table("demo.a", lines=(3, 99))))
    assert "claim 'demo.a': field 'lines' holds 99, outside the document's lines 1..7" in message


@pytest.mark.parametrize("field", ["section", "quote", "wording", "scope", "lines"])
def test_missing_field(tmp_path, field):
    table = "\n".join(line for line in claim_table("demo.a").splitlines() if not line.startswith(field + " "))
    message = _error(_write(tmp_path, table))
    assert f"claim 'demo.a': missing required field '{field}'" in message


def test_missing_id_names_the_position(tmp_path):
    table = "\n".join(line for line in claim_table("demo.a").splitlines() if not line.startswith("id "))
    assert "claim #1: missing required field 'id'" in _error(_write(tmp_path, table))


def test_quote_of_more_than_one_line(tmp_path):
    table = claim_table("demo.a").replace('quote = "Numbers are equal"', 'quote = "one\\ntwo"')
    assert "claim 'demo.a': field 'quote' must be one line" in _error(_write(tmp_path, table))


def test_unknown_field(tmp_path):
    table = claim_table("demo.a") + 'verdict = "holds"\n'
    assert "claim 'demo.a': unknown field(s) verdict" in _error(_write(tmp_path, table))


def test_bad_id(tmp_path):
    assert "field 'id' must be dotted lower-case words" in _error(_write(tmp_path, claim_table("Demo A")))


def test_not_toml(tmp_path):
    path = tmp_path / "claims.toml"
    path.write_text("[suite\nname = 1")
    message = _error(str(path))
    assert message.startswith(str(path) + ": the claim registry is not valid TOML")


def test_missing_file(tmp_path):
    assert "cannot read the claim registry" in _error(str(tmp_path / "nope.toml"))


def test_document_checks_quotes_and_sections(tmp_path):
    registry = load_registry(
        _write(
            tmp_path,
            claim_table("demo.a"),
            claim_table("demo.b", quote="not on that line"),
            claim_table("demo.c", lines=(6,), quote="old_api"),
        )
    )
    problems = check_against_document(registry, DOCUMENT)
    assert len(problems) == 2
    assert "claim 'demo.b': field 'quote' 'not on that line' is on none of lines [3]" in problems[0]
    assert "claim 'demo.c': field 'section' is 'Numbers', but line 6 sits under 'Old things'" in problems[1]


def test_document_hash_mismatch(tmp_path):
    registry = load_registry(_write(tmp_path, claim_table("demo.a")))
    assert "sha256" in check_against_document(registry, DOCUMENT + "changed\n")[0]


def test_the_project_registry_matches_the_pinned_cheatsheet():
    registry = load_registry(os.path.join(ROOT, "claims", "claims.toml"))
    copy = registry.document.local_copy
    if copy is None or not os.path.exists(copy):
        pytest.skip(f"no local copy of the cheatsheet at {copy} (shared/ sits beside the checkout)")
    with open(copy, encoding="utf-8") as handle:
        assert check_against_document(registry, handle.read()) == []
