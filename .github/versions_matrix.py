"""Print the GitHub Actions job matrix (`include=[...]`) read from claims/versions.toml.

Each job gets, beside the version and its Python, numpy and extra
requirements:

onnx       the packages the ONNX export claim needs on that Python (the
           file's [onnx] table, as `nox -s claims` installs them)
cpu_index  whether the PyTorch CPU index ([index] cpu in the file, which
           `CLAIMS_TORCH_INDEX=cpu nox -s claims` uses too) serves a Linux
           wheel of exactly this version; where it does not (the entry says
           `cpu_index = false` and why, in `cpu_note`), the job installs torch
           from PyPI (a CUDA build) and says why in its log and step summary.
cpu_index_url  that index's address.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # the project's one TOML reader, standard library only

from claimcheck.tomlfile import read_toml  # noqa: E402

PATH = os.path.join(HERE, "..", "claims", "versions.toml")


def job(entry, onnx, index):
    version, python = str(entry["version"]), str(entry["python"])
    cpu_index = entry.get("cpu_index", True)
    if not isinstance(cpu_index, bool):
        raise ValueError(f"torch {version}: cpu_index = {cpu_index!r}, give true or false")
    if not cpu_index and not entry.get("cpu_note"):
        raise ValueError(f"torch {version}: cpu_index = false needs cpu_note, saying why")
    note = "" if cpu_index else str(entry["cpu_note"])
    return {
        "torch": version,
        "python": python,
        "numpy": entry.get("numpy", ""),
        "extra": " ".join(entry.get("extra", [])),
        "onnx": " ".join(onnx.get(python, [])),
        "cpu_index": cpu_index,
        "cpu_note": note,
        "cpu_index_url": index,
    }


def main():
    try:
        table = read_toml(PATH, "the versions file")
        index = table["index"]["cpu"]
        include = [job(entry, table.get("onnx", {}), index) for entry in table["torch"]]
    except (ValueError, KeyError) as exc:
        sys.exit(f"{PATH}: {exc}")
    print("include=" + json.dumps(include))


if __name__ == "__main__":
    main()
