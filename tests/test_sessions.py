"""The nox sessions refuse what they cannot do, naming the version and what to run instead."""

from __future__ import annotations

import os
import sys

import pytest

pytest.importorskip("nox", reason="the session tests import the noxfile (nox is in the test extra)")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import noxfile  # noqa: E402


class Quit(Exception):
    pass


class FakeSession:
    def __init__(self, posargs, python="3.11"):
        self.posargs, self.python, self.installed, self.env = posargs, python, [], {}

    def error(self, message):
        raise Quit(message)

    def install(self, *requirements, **_):
        self.installed.append(requirements)

    venv_backend = "uv"


@pytest.fixture(autouse=True)
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize(
    "posargs, message",
    [
        (["--torch", "banana"], "--torch 'banana' is not a version; give a release such as 2.13.0"),
        (["--torch", "2"], "--torch 2 is not precise enough"),
        (["--torch"], "--torch needs a version"),
        (["--torch", "1.4.1"], "torch 1.4.1 is not in claims/versions.toml; known versions: 1.0.1"),
        (
            ["--torch", "1.4.0"],
            "torch 1.4.0 needs Python 3.7 here (see claims/versions.toml): "
            "run: nox -s claims --force-python 3.7 -- --torch 1.4.0",
        ),
    ],
)
def test_claims_session_refuses_with_a_reason(posargs, message):
    session = FakeSession(posargs)
    with pytest.raises(Quit) as caught:
        noxfile._claims_environment(session)
    assert message in str(caught.value)
    assert session.installed == []  # nothing installed, nothing written


def test_a_listed_version_gets_its_numpy_constraint():
    session = FakeSession(["--torch", "2.0.1", "-k", "view"])
    arguments = noxfile._claims_environment(session)
    assert session.installed[0] == ("torch==2.0.1", "numpy<2")
    assert arguments[-2:] == ["-k", "view"]
    assert session.env["PYTHONDONTWRITEBYTECODE"] == "", "pytest must be able to cache its rewritten plugins"


def test_every_listed_python_is_on_this_machine():
    import shutil

    missing = sorted(
        {v["python"] for v in noxfile._versions().values() if shutil.which("python" + v["python"]) is None}
    )
    assert missing == [], "no interpreter for Python {} (pyenv install it, or change claims/versions.toml)".format(
        ", ".join(missing)
    )
