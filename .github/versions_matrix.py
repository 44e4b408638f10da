"""Print the GitHub Actions job matrix (`include=[...]`) read from claims/versions.toml."""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # the project's one TOML reader, standard library only

from claimcheck.tomlfile import read_toml  # noqa: E402

PATH = os.path.join(HERE, "..", "claims", "versions.toml")
try:
    versions = read_toml(PATH, "the versions file")["torch"]
except (ValueError, KeyError) as exc:
    sys.exit(f"{PATH}: {exc}")
include = [
    {"torch": v["version"], "python": v["python"], "numpy": v.get("numpy", ""), "extra": " ".join(v.get("extra", []))}
    for v in versions
]
print("include=" + json.dumps(include))
