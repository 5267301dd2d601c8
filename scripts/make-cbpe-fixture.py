"""NannyML's own CBPE numbers for src/metrics/cbpe.ts: writes test/metrics/fixtures/cbpe.json.

A binary classifier whose scores are miscalibrated (the true probability is the score squared), a reference period
with labels, and an analysis period whose class balance shifts. Run once, commit the output:
    python3 -m venv /tmp/nml && /tmp/nml/bin/pip install nannyml==0.13.0 statsmodels
    /tmp/nml/bin/python scripts/make-cbpe-fixture.py
"""
import json
import pathlib

import nannyml as nml
import numpy as np
import pandas as pd

rng = np.random.default_rng(17)
CHUNK = 500


def period(n, a, b):
    score = np.round(rng.beta(a, b, size=n), 3)
    y_true = (rng.random(n) < score**2).astype(int)
    y_pred = (score >= 0.7).astype(int)
    return pd.DataFrame({"y_pred_proba": score, "y_pred": y_pred, "y_true": y_true})


reference = period(2000, 2, 2)
analysis = pd.concat([period(1000, 2, 2), period(1000, 4, 2)], ignore_index=True)

estimator = nml.CBPE(
    problem_type="classification_binary",
    y_pred_proba="y_pred_proba",
    y_pred="y_pred",
    y_true="y_true",
    metrics=["accuracy", "f1", "precision", "recall"],
    chunk_size=CHUNK,
)
estimator.fit(reference)
results = estimator.estimate(analysis.drop(columns=["y_true"])).filter(period="analysis").to_df()
chunks = []
for i, row in results.iterrows():
    chunks.append({
        "start": int(row[("chunk", "start_index")]),
        "end": int(row[("chunk", "end_index")]),
        **{m: float(row[(m, "value")]) for m in ["accuracy", "f1", "precision", "recall"]},
    })

out = pathlib.Path(__file__).resolve().parent.parent / "test" / "metrics" / "fixtures" / "cbpe.json"
out.write_text(json.dumps({
    "nannyml": nml.__version__,
    "needsCalibration": bool(estimator.needs_calibration),
    "reference": {c: reference[c].tolist() for c in ["y_pred_proba", "y_pred", "y_true"]},
    "analysis": {c: analysis[c].tolist() for c in ["y_pred_proba", "y_pred"]},
    "chunks": chunks,
}) + "\n")
print(f"wrote {out} (nannyml {nml.__version__}, calibrated: {estimator.needs_calibration})", chunks)
