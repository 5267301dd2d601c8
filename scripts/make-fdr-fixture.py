"""Reference values for src/drift/fdr.ts, computed by scipy itself: writes test/drift/fixtures/fdr.json.

Run once with any Python that has scipy (Ferry's provisioned venvs do), commit the output:
    python3 scripts/make-fdr-fixture.py
"""
import json
import pathlib

import numpy as np
import scipy
from scipy import stats

rng = np.random.default_rng(17)
cases = [
    {"name": "scipy-docstring", "p": [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.0]},
    {"name": "ties", "p": [0.01, 0.01, 0.02, 0.02, 0.5, 0.5, 1.0]},
    {"name": "single", "p": [0.03]},
    {"name": "all-ones", "p": [1.0, 1.0, 1.0]},
    {"name": "with-zero", "p": [0.0, 0.2, 0.04, 0.9]},
    {"name": "uniform-50", "p": rng.uniform(size=50).tolist()},
    {"name": "mixed-200", "p": np.concatenate([rng.uniform(size=180), rng.uniform(0, 1e-3, size=20)]).tolist()},
]
for c in cases:
    c["bh"] = stats.false_discovery_control(c["p"], method="bh").tolist()

out = pathlib.Path(__file__).resolve().parent.parent / "test" / "drift" / "fixtures" / "fdr.json"
out.write_text(json.dumps({"scipy": scipy.__version__, "generator": "scripts/make-fdr-fixture.py", "cases": cases}, indent=1) + "\n")
print(f"wrote {out} ({len(cases)} cases)")
