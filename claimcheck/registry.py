"""Load and validate the claim registry: one TOML file a person reads and edits.

The registry knows nothing about the library under test. It describes a
document (the cheatsheet, pinned by commit and hash) and the claims drawn
from it. Every error names the file, the claim id and the field.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field

from .tomlfile import parse_toml

ID_PATTERN = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
MAX_QUOTE_CHARS = 160
#: Characters a terminal or a renderer would act on (escape sequences, carriage returns): never in registry text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
CLAIM_FIELDS = ("id", "section", "lines", "quote", "wording", "scope")
OPTIONAL_CLAIM_FIELDS = ("topic", "note")
#: Fields that are not strings: `addition = true` (the cheatsheet never says it),
#: `beyond = {"<facet>" = "<why it is outside the statement's scope>"}`, and
#: `reference`, what a check compares the subject with (see REFERENCE_FIELDS).
#: `replacement`, the modern idiom: one string, or per release range an array of tables
#: {idiom, since, until, source, forms} (see Ranged); `forms`, for a claim that something is
#: impossible, the supported ways the subject documented, per release range {name, since, until, source}.
#: `core = ["<facet>", ...]` with `core_why`: the facets that hold the statement's own use, where the suite's
#: default (`[suite] core`) is not the right choice for this statement, and why.
OTHER_CLAIM_FIELDS = ("addition", "beyond", "reference", "replacement", "forms", "core", "core_why")
RANGED_FIELDS = ("since", "until", "source")
#: The `reference` table: the result type the statement implies (`result_dtype`, a rule the
#: claims tree names) with its `source` (the documented rule it comes from), optional
#: per-facet rules (`facets = {"<facet>" = "<rule>"}`), and `both_refuse = true` where the
#: wording says the subject refuses what the reference refuses.
REFERENCE_FIELDS = ("result_dtype", "source", "facets", "both_refuse")
DOCUMENT_FIELDS = ("title", "url", "commit", "sha256", "lines")


class RegistryError(Exception):
    """A registry file is malformed; the message names file, id and field."""


@dataclass(frozen=True)
class Document:
    title: str
    url: str
    commit: str
    sha256: str
    line_count: int
    local_copy: str | None  # absolute path, or None when not configured

    def line_url(self, line: int) -> str:
        return f"{self.url}#L{line}"


@dataclass(frozen=True)
class Reference:
    """What the subject's result is compared with: the result type the statement implies, and its source."""

    result_dtype: str
    source: str
    facets: tuple[tuple[str, str], ...] = ()
    both_refuse: bool = False

    def rule(self, facet: str) -> str:
        """The result-type rule of one facet (the claim's, unless the registry names one for the facet)."""
        return dict(self.facets).get(facet, self.result_dtype)


@dataclass(frozen=True)
class Ranged:
    """A replacement idiom or a supported form, from the subject release `since` up to (not including) `until`.

    `source` cites where the subject documented it (release notes, documentation); `forms` (replacements
    only) names the supported forms, of the claim's `forms`, that the idiom is made of.
    """

    text: str
    since: str | None = None
    until: str | None = None
    source: str | None = None
    forms: tuple[str, ...] = ()

    def holds_for(self, version: str | None) -> bool:
        """Whether this release range covers `version` (a subject version; None: the newest, so no `until`)."""
        from packaging.version import Version

        if version is None:
            return self.until is None
        v = Version(Version(version).base_version)
        return (self.since is None or v >= Version(self.since)) and (self.until is None or v < Version(self.until))


@dataclass(frozen=True)
class Claim:
    id: str
    section: str
    lines: tuple[int, ...]
    quote: str
    wording: str
    replacements: tuple[Ranged, ...] = ()
    topic: str | None = None
    note: str | None = None
    #: what the statement is about, as a PyTorch user reads it (one sentence)
    scope: str | None = None
    #: the suite's own claim, which the cheatsheet does not make
    addition: bool = False
    #: facets checked but outside the statement's scope, each with the reason: (facet, why)
    beyond: tuple[tuple[str, str], ...] = ()
    #: what a check compares with: result_dtype, source, facets ((facet, rule), ...), both_refuse
    reference: Reference | None = None

    #: for a claim that something is impossible: every supported form the subject documented, per release range
    forms: tuple[Ranged, ...] = ()
    #: the facets that hold the statement's own use, where the suite's default is not right for it; and why
    core: tuple[str, ...] = ()
    core_why: str | None = None

    @property
    def replacement(self) -> str | None:
        """The newest replacement idiom (the one of the newest release range), None when the claim has none."""
        return self.replacements[-1].text if self.replacements else None

    def replacement_for(self, version: str | None) -> Ranged | None:
        """The replacement that the release `version` documents (None where none of the ranges covers it)."""
        return next((r for r in reversed(self.replacements) if r.holds_for(version)), None)

    def forms_for(self, version: str | None) -> tuple[Ranged, ...]:
        """The supported forms the release `version` documents: the check must try each before the claim holds."""
        return tuple(f for f in self.forms if f.holds_for(version))

    @property
    def first_line(self) -> int:
        return self.lines[0]

    def why_beyond(self, facet: str) -> str | None:
        """Why `facet` is outside this claim's scope; None when it is in scope."""
        return dict(self.beyond).get(facet)

    def core_of(self, in_scope: list[str], default: tuple[str, ...]) -> set[str]:
        """Which of the in-scope facets a run had are core: the statement's own use decides the verdict there.

        The claim's own `core` where the registry names it, else the suite's default (the ordinary
        input a reader runs first); where none of the facets that ran is one of those, every
        in-scope facet is core (nothing is an edge without a named core to hold against it).
        """
        named = set(self.core or default) & set(in_scope)
        return named or set(in_scope)


@dataclass(frozen=True)
class Registry:
    path: str
    sha256: str
    suite: str
    document: Document
    deprecation_patterns: tuple[str, ...]
    claims: tuple[Claim, ...]
    _by_id: dict[str, Claim] = field(default_factory=dict, compare=False, repr=False)
    #: the library under test (a module name): warnings from other installed packages are not its deprecations
    subject: str | None = None
    #: the lines a counterexample snippet starts with, so that it runs as pasted
    snippet_imports: tuple[str, ...] = ()
    #: the facets that hold a statement's own use unless a claim names its own (`[suite] core`)
    default_core: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._by_id.update((c.id, c) for c in self.claims)

    def get(self, claim_id: str) -> Claim | None:
        return self._by_id.get(claim_id)

    def __contains__(self, claim_id: str) -> bool:
        return claim_id in self._by_id

    def did_you_mean(self, claim_id: str, n: int = 1) -> str:
        """ " (did you mean 'x'?)" naming the closest known ids to a mistyped one, or "" when none is close."""
        import difflib

        close = difflib.get_close_matches(claim_id, list(self._by_id), n=n)
        return " (did you mean {}?)".format(", ".join(f"'{c}'" for c in close)) if close else ""

    def sections(self) -> list[str]:
        """Sections in document order (order of their first claimed line)."""
        first: dict[str, int] = {}
        for claim in self.claims:
            first[claim.section] = min(first.get(claim.section, claim.first_line), claim.first_line)
        return sorted(first, key=first.__getitem__)


def _fail(path: str, where: str, message: str, hint: str = "") -> RegistryError:
    text = f"{path}: {where}: {message}"
    if hint:
        text += f" ({hint})"
    return RegistryError(text)


def _require(table: dict, name: str, kind: type, path: str, where: str):
    if name not in table:
        raise _fail(path, where, f"missing required field '{name}'")
    value = table[name]
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise _fail(path, where, f"field '{name}' must be a {kind.__name__}, got {value!r}")
    return value


def _load_document(path: str, data: dict) -> Document:
    table = data.get("document")
    if not isinstance(table, dict):
        raise _fail(path, "[document]", "missing table", "add a [document] table naming the pinned text")
    for name in DOCUMENT_FIELDS:
        _require(table, name, int if name == "lines" else str, path, "[document]")
    local = table.get("local_copy")
    if local is not None:
        local = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), str(local)))
    return Document(table["title"], table["url"], table["commit"], table["sha256"], table["lines"], local)


def _load_claim(path: str, index: int, table: dict, document: Document) -> Claim:
    where = f"claim #{index + 1}"
    if not isinstance(table, dict):
        raise _fail(path, where, "each [[claim]] must be a table")
    claim_id = table.get("id")
    if isinstance(claim_id, str):
        where = f"claim '{claim_id}'"
    unknown = sorted(set(table) - set(CLAIM_FIELDS) - set(OPTIONAL_CLAIM_FIELDS) - set(OTHER_CLAIM_FIELDS))
    if unknown:
        raise _fail(
            path,
            where,
            "unknown field(s) {}".format(", ".join(unknown)),
            "allowed: {}".format(", ".join(CLAIM_FIELDS + OPTIONAL_CLAIM_FIELDS + OTHER_CLAIM_FIELDS)),
        )
    for name in ("id", "section", "quote", "wording", "scope"):
        value = _require(table, name, str, path, where)
        if not value.strip():
            raise _fail(path, where, f"field '{name}' is empty")
    for name in ("id", "section", "quote", "wording", "scope", "topic", "note"):
        value = table.get(name)
        control = _CONTROL.search(value) if isinstance(value, str) else None
        if control is not None:
            raise _fail(
                path, where, f"field '{name}' holds a control character ({control.group()!r})",
                "reports show it to readers: write plain text",
            )  # fmt: skip
    claim_id = table["id"]  # a string: _require said so
    if not ID_PATTERN.match(claim_id):
        raise _fail(
            path, where, "field 'id' must be dotted lower-case words", "for example 'numpy.from_numpy.keeps_dtype'"
        )
    lines = _require(table, "lines", list, path, where)
    if not lines:
        raise _fail(path, where, "field 'lines' is empty")
    for line in lines:
        if isinstance(line, bool) or not isinstance(line, int) or not 1 <= line <= document.line_count:
            raise _fail(
                path, where, f"field 'lines' holds {line!r}, outside the document's lines 1..{document.line_count}"
            )
    quote = table["quote"]
    if "\n" in quote or len(quote) > MAX_QUOTE_CHARS:
        raise _fail(
            path,
            where,
            f"field 'quote' must be one line of at most {MAX_QUOTE_CHARS} characters",
            "quote a short fragment, never the document",
        )
    for name in OPTIONAL_CLAIM_FIELDS:
        if name in table and (not isinstance(table[name], str) or not table[name].strip()):
            raise _fail(path, where, f"field '{name}' must be a non-empty string")
    addition = table.get("addition", False)
    if not isinstance(addition, bool):
        raise _fail(path, where, f"field 'addition' must be true or false, got {addition!r}")
    beyond = table.get("beyond", {})
    if not isinstance(beyond, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in beyond.items()
    ):
        raise _fail(
            path, where, "field 'beyond' must map facet names to the reason each is out of scope",
            'for example beyond = {bool = "the statement is about numbers"}',
        )  # fmt: skip
    core = table.get("core", [])
    if not isinstance(core, list) or not all(isinstance(f, str) and f.strip() for f in core):
        raise _fail(path, where, "field 'core' must be a list of facet names", 'for example core = ["contiguous"]')
    core_why = table.get("core_why")
    if core and (not isinstance(core_why, str) or not core_why.strip()):
        raise _fail(
            path, where, "field 'core' needs 'core_why': why these facets hold the statement's own use",
            'for example core_why = "an equivalence with numpy: every input numpy accepts"',
        )  # fmt: skip
    if core_why is not None and not core:
        raise _fail(path, where, "field 'core_why' explains a 'core' list, and there is none")
    overlap = sorted(set(core) & set(beyond))
    if overlap:
        raise _fail(
            path, where, "facet(s) {} are both core and beyond the statement's scope".format(", ".join(overlap))
        )
    return Claim(
        claim_id,
        table["section"],
        tuple(sorted(lines)),
        quote,
        table["wording"],
        _load_ranged(path, where, "replacement", table.get("replacement"), "idiom"),
        table.get("topic"),
        table.get("note"),
        table["scope"],
        addition,
        tuple(beyond.items()),
        _load_reference(path, where, table.get("reference")),
        _load_ranged(path, where, "forms", table.get("forms"), "name"),
        tuple(core),
        core_why,
    )


def _load_ranged(path: str, where: str, name: str, value, text: str) -> tuple[Ranged, ...]:
    """`replacement` (a string, or an array of tables) or `forms` (an array of tables), checked and in order."""
    from packaging.version import InvalidVersion, Version

    if value is None:
        return ()
    if name == "replacement" and isinstance(value, str):
        if not value.strip():
            raise _fail(path, where, "field 'replacement' must be a non-empty string")
        return (Ranged(value),)
    example = f'for example [[claim.{name}]] {text} = "...", since = "1.2", source = "the 1.2.0 release notes"'
    if not isinstance(value, list) or not value or not all(isinstance(t, dict) for t in value):
        raise _fail(path, where, f"field '{name}' must be an array of tables", example)
    allowed = (text, *RANGED_FIELDS, *(("forms",) if name == "replacement" else ()))
    out = []
    for table in value:
        unknown = sorted(set(table) - set(allowed))
        if unknown:
            raise _fail(path, where, "'{}' has unknown key(s) {}".format(name, ", ".join(unknown)),
                        "allowed: " + ", ".join(allowed))  # fmt: skip
        if not isinstance(table.get(text), str) or not table[text].strip():
            raise _fail(path, where, f"each '{name}' needs a non-empty string '{text}'", example)
        if _CONTROL.search(table[text]):
            raise _fail(path, where, f"'{name}' {table[text]!r} holds a control character; write plain text")
        for key in RANGED_FIELDS:
            if key in table and (not isinstance(table[key], str) or not table[key].strip()):
                raise _fail(path, where, f"'{name}' {table[text]!r}: '{key}' must be a non-empty string")
        for key in ("since", "until"):
            if key in table:
                try:
                    Version(table[key])
                except InvalidVersion:
                    raise _fail(path, where, f"'{name}' {table[text]!r}: '{key}' = {table[key]!r} is not a version",
                                'write a release such as "1.10"') from None  # fmt: skip
        if name == "forms" and "source" not in table:
            raise _fail(path, where, f"form {table[text]!r} needs a 'source': where the subject documented it")
        forms = table.get("forms", [])
        if not isinstance(forms, list) or not all(isinstance(f, str) for f in forms):
            raise _fail(path, where, f"replacement {table[text]!r}: 'forms' must be a list of form names")
        out.append(Ranged(table[text], table.get("since"), table.get("until"), table.get("source"), tuple(forms)))
    return tuple(out)


def _load_reference(path: str, where: str, table) -> Reference | None:
    if table is None:
        return None
    example = 'for example reference = {result_dtype = "same", source = "numpy\'s rule: ..."}'
    if not isinstance(table, dict):
        raise _fail(path, where, "field 'reference' must be a table", example)
    unknown = sorted(set(table) - set(REFERENCE_FIELDS))
    if unknown:
        raise _fail(
            path, where, "field 'reference' has unknown key(s) {}".format(", ".join(unknown)),
            "allowed: {}".format(", ".join(REFERENCE_FIELDS)),
        )  # fmt: skip
    for name in ("result_dtype", "source"):
        if not isinstance(table.get(name), str) or not table[name].strip():
            raise _fail(path, where, f"field 'reference' needs a non-empty string '{name}'", example)
    facets = table.get("facets", {})
    if not isinstance(facets, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in facets.items()):
        raise _fail(path, where, "'reference.facets' must map facet names to result-type rules")
    both = table.get("both_refuse", False)
    if not isinstance(both, bool):
        raise _fail(path, where, f"'reference.both_refuse' must be true or false, got {both!r}")
    return Reference(table["result_dtype"], table["source"], tuple(facets.items()), both)


def load_registry(path: str) -> Registry:
    """Read and validate `path`; raise RegistryError naming file, id and field."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read the claim registry: {exc.strerror}") from None
    data = parse_toml(raw, path, "the claim registry", RegistryError)
    suite = data.get("suite", {})
    name = _require(suite if isinstance(suite, dict) else {}, "name", str, path, "[suite]")
    patterns = suite.get("deprecation_patterns", [])
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise _fail(path, "[suite]", "field 'deprecation_patterns' must be a list of strings")
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _fail(
                path, "[suite]", f"deprecation pattern {pattern!r} is not a regular expression: {exc}"
            ) from None
    subject = suite.get("subject")
    if subject is not None and (not isinstance(subject, str) or not subject.isidentifier()):
        raise _fail(path, "[suite]", f"field 'subject' must be a module name, got {subject!r}")
    imports = suite.get("snippet_imports", [])
    if not isinstance(imports, list) or not all(isinstance(line, str) and line.strip() for line in imports):
        raise _fail(path, "[suite]", "field 'snippet_imports' must be a list of lines of Python")
    default_core = suite.get("core", [])
    if not isinstance(default_core, list) or not all(isinstance(f, str) and f.strip() for f in default_core):
        raise _fail(path, "[suite]", "field 'core' must be a list of facet names", 'for example core = ["all"]')
    document = _load_document(path, data)
    tables = data.get("claim")
    if not isinstance(tables, list) or not tables:
        raise _fail(path, "[[claim]]", "no claims", "add at least one [[claim]] table")
    claims = [_load_claim(path, i, t, document) for i, t in enumerate(tables)]
    seen: dict[str, int] = {}
    for i, claim in enumerate(claims):
        if claim.id in seen:
            raise _fail(
                path,
                f"claim '{claim.id}'",
                f"duplicate id (claims #{seen[claim.id] + 1} and #{i + 1})",
                "ids are stable and unique: rename one",
            )
        seen[claim.id] = i
    return Registry(
        os.path.abspath(path),
        hashlib.sha256(raw).hexdigest(),
        name,
        document,
        tuple(patterns),
        tuple(claims),
        subject=subject,
        snippet_imports=tuple(imports),
        default_core=tuple(default_core),
    )


def check_against_document(registry: Registry, text: str) -> list[str]:
    """Problems found by reading the pinned document itself (empty when none).

    Each quote must appear on one of its claim's lines, and each section must
    be the heading the claim's first line sits under.
    """
    problems: list[str] = []
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if digest != registry.document.sha256:
        problems.append(
            f"{registry.path}: [document]: the local copy's sha256 is {digest}, the registry pins {registry.document.sha256}"
        )
        return problems
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != registry.document.line_count:
        problems.append(
            f"{registry.path}: [document]: the local copy has {len(lines)} lines, the registry says {registry.document.line_count}"
        )
        return problems
    for claim in registry.claims:
        if not any(claim.quote in lines[n - 1] for n in claim.lines):
            problems.append(
                f"{registry.path}: claim '{claim.id}': field 'quote' {claim.quote!r} is on none of lines {list(claim.lines)}"
            )
        heading = next(
            (lines[n].lstrip("# ").strip() for n in range(claim.first_line - 1, -1, -1) if lines[n].startswith("## ")),
            None,
        )
        if heading != claim.section:
            problems.append(
                f"{registry.path}: claim '{claim.id}': field 'section' is {claim.section!r}, but line {claim.first_line} sits under {heading!r}"
            )
    return problems
