"""Whose deprecation is it: the rule of claimcheck/attribution.py on each kind of warning, raised for real.

A fake subject package is written to a temporary folder and imported; each test
calls it as a check would, and the warning it raises is recorded by the same
code the plugin uses.
"""

from __future__ import annotations

import importlib
import os
import sys
import textwrap
import warnings

import pytest

from claimcheck import attribution

SUBJECT = textwrap.dedent("""\
    import collections, warnings

    def old_api():
        # the subject tells its caller that the call it makes is deprecated
        warnings.warn("old_api is deprecated", DeprecationWarning, stacklevel=2)
        return 1

    def says_so_itself():
        # stacklevel 1: names its own line, still about the call the statement made
        warnings.warn("says_so_itself will change", FutureWarning)
        return 1

    def _helper():
        warnings.warn("_helper is deprecated", DeprecationWarning, stacklevel=2)

    def uses_its_own_deprecated_helper():
        _helper()  # the subject's code calls something deprecated; the statement did not
        return 1

    def uses_something_python_deprecates():
        from fakestd import old_thing
        return old_thing()  # Python's warning, about the subject's use of it

    def lands_in_the_standard_library():
        # the subject's warning, with a stacklevel that names a frame of the standard library
        from fakestd import apply
        return apply(_warn_far)

    def _warn_far():
        warnings.warn("lands far is deprecated", DeprecationWarning, stacklevel=2)
    """)

# stands for a module of Python's standard library: placed there by Places below
FAKESTD = textwrap.dedent("""\
    import warnings

    def old_thing():
        warnings.warn("old_thing is deprecated since Python 3.x", DeprecationWarning, stacklevel=2)
        return 2

    def apply(function):
        return function()

    def deprecated(function):
        # a deprecation wrapper (typing_extensions.deprecated, say) around the subject's function
        def wrapper(*args, **kwargs):
            warnings.warn(function.__name__ + " is deprecated", DeprecationWarning, stacklevel=2)
            return function(*args, **kwargs)
        return wrapper
    """)


@pytest.fixture()
def world(tmp_path, monkeypatch):
    subject, std = tmp_path / "fakesubject", tmp_path / "fakestdlib"
    subject.mkdir()
    std.mkdir()
    (subject / "__init__.py").write_text(SUBJECT)
    (std / "fakestd.py").write_text(FAKESTD)
    monkeypatch.syspath_prepend(str(std))
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("fakesubject", "fakestd"):
        sys.modules.pop(name, None)
    module = importlib.import_module("fakesubject")
    places = attribution.Places("fakesubject")
    places.stdlib = os.path.realpath(str(std))  # the fake standard library
    yield module, places
    for name in ("fakesubject", "fakestd"):
        sys.modules.pop(name, None)


def verdicts(places, call):
    with attribution.recording() as raised:
        call()
    assert raised, "the call raised no warning"
    return [attribution.about_the_statement(r, places, ["deprecated", "will change"]) for r in raised]


def test_the_subject_warning_its_caller_counts(world):
    subject, places = world
    assert verdicts(places, subject.old_api) == [True]


def test_the_subject_naming_its_own_line_counts(world):
    subject, places = world
    assert verdicts(places, subject.says_so_itself) == [True]


def test_the_subject_calling_its_own_deprecated_helper_does_not_count(world):
    subject, places = world
    assert verdicts(places, subject.uses_its_own_deprecated_helper) == [False]


def test_python_deprecating_what_the_subject_uses_does_not_count(world):
    subject, places = world
    assert verdicts(places, subject.uses_something_python_deprecates) == [False]


def test_the_subjects_warning_that_lands_in_the_standard_library_counts(world):
    subject, places = world
    with attribution.recording() as raised:
        subject.lands_in_the_standard_library()
    (one,) = raised
    assert places.kind(one.message.filename) != "subject"  # it names no frame of the subject ...
    assert attribution.about_the_statement(one, places, ["deprecated"])  # ... and still counts


def test_a_deprecation_wrapper_around_the_called_function_counts(world):
    subject, places = world
    import fakestd  # type: ignore[import-not-found]  # written by the fixture

    wrapped = fakestd.deprecated(subject.says_so_itself)
    assert verdicts(places, wrapped) == [True, True]  # the wrapper's, naming the caller's line; then the subject's


def test_a_package_warning_about_its_own_use_of_something_does_not_count(world):
    _, places = world
    import fakestd

    places.stdlib = "/nonexistent"  # now fakestd is another installed package, as far as kinds go
    places.installed = (os.path.dirname(os.path.realpath(fakestd.__file__)),)
    places.kind.cache_clear()

    # the package's own code calls its deprecated function: no subject frame, and the warning names the package
    with attribution.recording() as raised:
        exec(
            compile("fakestd.old_thing()", os.path.join(places.installed[0], "inside.py"), "exec"), {"fakestd": fakestd}
        )
    assert [attribution.about_the_statement(r, places, ["deprecated"]) for r in raised] == [False]


def test_not_a_deprecation_never_counts(world):
    _, places = world
    with attribution.recording() as raised:
        warnings.warn("just so you know", UserWarning, stacklevel=1)
    assert [attribution.about_the_statement(r, places, ["deprecated"]) for r in raised] == [False]


def test_a_warning_from_another_process_keeps_its_stack(world, tmp_path):
    """Raised again by claimcheck.warm's Finished, the warning is judged by the stack it had over there."""
    from claimcheck.warm import Finished

    _, places = world
    helper = os.path.join(os.path.realpath(str(tmp_path)), "fakesubject", "__init__.py")
    script = str(tmp_path / "script.py")
    inside = {
        "category": "DeprecationWarning",
        "message": "_helper is deprecated",
        "filename": helper,
        "lineno": 16,
        "stack": [[script, 3], [helper, 16], [helper, 14]],
    }
    about = {
        "category": "DeprecationWarning",
        "message": "old_api is deprecated",
        "filename": script,
        "lineno": 3,
        "stack": [[script, 3], [helper, 5]],
    }
    with attribution.recording() as raised:
        Finished(0, "", [inside, about]).raise_warnings()
    assert [attribution.about_the_statement(r, places, ["deprecated"]) for r in raised] == [False, True]


FAKE_ONCE = textwrap.dedent("""\
    import warnings

    _shown = False

    def old_api():
        # shown once per process, as torch's TORCH_WARN_ONCE before 1.9: no filter brings it back
        global _shown
        if not _shown:
            _shown = True
            warnings.warn("old_api is deprecated", DeprecationWarning, stacklevel=2)
        return 1
    """)

CHECKS_OF_ONCE = """\
    import pytest
    from hypothesis import given, strategies as st

    import fakeonce

    @pytest.mark.claim("demo.first")
    def test_first():
        assert fakeonce.old_api() == 1

    @pytest.mark.claim("demo.second")
    @given(st.integers())
    def test_second(n):
        assert fakeonce.old_api() == 1
    """


@pytest.mark.parametrize("once", [False, True])
def test_a_warn_once_deprecation_is_seen_by_every_check_whatever_ran_before(tree, once):
    """Without the mechanism only the first check sees the warning; with it, both do, in either order."""
    from conftest import claim_table

    tree.registry(claim_table("demo.first"), claim_table("demo.second", lines=(4,), quote="Small numbers"))
    registry = tree.root / "claims" / "claims.toml"
    registry.write_text(registry.read_text().replace('name = "demo"', 'name = "demo"\nsubject = "fakeonce"', 1))
    (tree.root / "fakeonce.py").write_text(FAKE_ONCE)
    if once:
        (tree.root / "claims" / "conftest.py").write_text(
            "import claimcheck\n\ndef pytest_configure(config):\n    claimcheck.warnings_once(config)\n"
        )
    first, second = CHECKS_OF_ONCE.split('\n\n    @pytest.mark.claim("demo.second")')
    head, first = first.split('\n\n    @pytest.mark.claim("demo.first")')
    first, second = '    @pytest.mark.claim("demo.first")' + first, '    @pytest.mark.claim("demo.second")' + second
    seen = []
    for order in ((first, second), (second, first)):  # either check runs first
        tree.checks("\n\n".join((head, *order)))
        run = tree.run()
        claims = tree.report()["claims"]
        verdicts = {c["id"]: c["verdict"] for c in claims}
        seen.append(sorted(claim for claim, verdict in verdicts.items() if verdict == "deprecated"))
        assert set(verdicts.values()) <= {"holds", "deprecated"}, run.output
        notes = [n for c in claims for check in c["checks"] for n in check.get("notes", [])]
        # the check that ran second saw it only in the template's child, and its evidence says so
        assert len([n for n in notes if "where no check ran before" in n]) == (1 if once else 0), notes
    if once:
        assert seen == [["demo.first", "demo.second"]] * 2
    else:
        assert seen == [["demo.first"], ["demo.second"]]  # whichever ran first: the order decides


def test_a_helper_naming_its_own_line_while_the_subject_calls_it_does_not_count(world, tmp_path):
    """stacklevel 1 inside a helper the subject's own function calls (torch.jit.trace calling trace_method)."""
    subject, places = world
    source = (
        "import warnings\n"
        "def trace_method():\n"
        "    warnings.warn('trace_method is deprecated', DeprecationWarning)\n"
        "def trace():\n"
        "    trace_method()\n"
    )
    path = os.path.join(os.path.dirname(subject.__file__), "jit.py")
    with open(path, "w") as handle:
        handle.write(source)
    jit = importlib.import_module("fakesubject.jit")
    try:
        assert verdicts(places, jit.trace) == [False]
        assert verdicts(places, jit.trace_method) == [True]  # called by the statement itself: it counts
    finally:
        sys.modules.pop("fakesubject.jit", None)
