"""Print the GitHub Actions job matrix (`include=[...]`) read from claims/versions.toml.

Each job gets, beside the version and its Python, numpy and extra
requirements:

onnx       the packages the ONNX export claim needs on that Python (the
           file's [onnx] table, as `nox -s claims` installs them)
cpu_index  whether the PyTorch CPU index serves a Linux wheel of exactly this
           version; where it does not, the job installs torch from PyPI (a
           CUDA build) and says why (cpu_note) in its log and step summary.

A [[torch]] entry may say `cpu_index = false` (with `cpu_note = "why"`), or
`cpu_index = true` to overrule the table below.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # the project's one TOML reader, standard library only

from claimcheck.tomlfile import read_toml  # noqa: E402

PATH = os.path.join(HERE, "..", "claims", "versions.toml")

# Versions the CPU index (https://download.pytorch.org/whl/cpu) has no Linux
# x86-64 wheel of, by the exact version that `torch==X` asks for.
NO_CPU_WHEEL = {
    "1.0.1": "the PyTorch CPU index has no Linux wheel of torch 1.0.1, only of 1.0.1.post2 (another version)",
}


def job(entry, onnx):
    version, python = str(entry["version"]), str(entry["python"])
    cpu_index = entry.get("cpu_index", version not in NO_CPU_WHEEL)
    if not isinstance(cpu_index, bool):
        raise ValueError(f"torch {version}: cpu_index = {cpu_index!r}, give true or false")
    note = "" if cpu_index else str(entry.get("cpu_note", NO_CPU_WHEEL.get(version, "cpu_index = false")))
    return {
        "torch": version,
        "python": python,
        "numpy": entry.get("numpy", ""),
        "extra": " ".join(entry.get("extra", [])),
        "onnx": " ".join(onnx.get(python, [])),
        "cpu_index": cpu_index,
        "cpu_note": note,
    }


def main():
    try:
        table = read_toml(PATH, "the versions file")
        include = [job(entry, table.get("onnx", {})) for entry in table["torch"]]
    except (ValueError, KeyError) as exc:
        sys.exit(f"{PATH}: {exc}")
    print("include=" + json.dumps(include))


if __name__ == "__main__":
    main()
