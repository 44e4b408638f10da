"""Print the GitHub Actions job matrix (`include=[...]`) read from claims/versions.toml."""

import json
import os

import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))

with open(os.path.join(HERE, "..", "claims", "versions.toml"), "rb") as handle:
    versions = tomllib.load(handle)["torch"]
include = [
    {"torch": v["version"], "python": v["python"], "numpy": v.get("numpy", ""), "extra": " ".join(v.get("extra", []))}
    for v in versions
]
print("include=" + json.dumps(include))
