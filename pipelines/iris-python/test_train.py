"""Unit tests of the training script, run as the pipeline's build step (`python -m pytest`)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import joblib
import pandas as pd

HERE = Path(__file__).resolve().parent


def train(tmp_path: Path, seed: str, params: dict) -> Path:
    out = tmp_path / f"out-{seed}"
    env = {**os.environ, "FERRY_SEED": seed, "FERRY_OUTPUT_DIR": str(out), "FERRY_PARAMS": json.dumps(params)}
    subprocess.run([sys.executable, str(HERE / "train.py")], check=True, env=env, cwd=tmp_path)
    return out


def test_writes_model_metrics_and_reference(tmp_path):
    out = train(tmp_path, "7", {"trees": 10})
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["accuracy"] > 0.85
    assert list(pd.read_csv(out / "reference.csv").columns) == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    model = joblib.load(out / "model" / "model.joblib")
    assert list(model.feature_names_in_) == ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def test_same_seed_same_model(tmp_path):
    a = train(tmp_path, "3", {"trees": 5})
    (tmp_path / "again").mkdir()
    b = train(tmp_path / "again", "3", {"trees": 5})
    assert (a / "model" / "model.joblib").read_bytes() == (b / "model" / "model.joblib").read_bytes()
    assert (a / "metrics.json").read_text() == (b / "metrics.json").read_text()
