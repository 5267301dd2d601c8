"""Evaluates the trained iris model on the held-out rows and checks the risks that apply to an external model.

Reads the trained model (FERRY_MODEL, the model directory train.py wrote: model.joblib or an MLflow model) and its held-out rows (the train step's
`test` artifact, from FERRY_PREVIOUS), writes FERRY_OUTPUT_DIR/metrics.json (default `eval/`) with flat numbers the
pipeline's gates read:
  accuracy, macro_f1       on the held-out rows
  min_class_recall         the worst species' recall (a model that gives up on one class fails it)
  noise_flip_rate          robustness: share of predictions that change when every feature moves by ±5% noise
"""
import json
import os
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, recall_score

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
LABEL = "species"


def load(model_dir: Path):
    """The model train.py wrote: model.joblib, or an MLflow model directory (train.py's `format: "mlflow"`)."""
    if (model_dir / "MLmodel").exists():
        import mlflow.sklearn

        return mlflow.sklearn.load_model(str(model_dir))
    return joblib.load(model_dir / "model.joblib")


def main() -> None:
    seed = int(os.environ.get("FERRY_SEED", "0"))
    previous = json.loads(os.environ.get("FERRY_PREVIOUS") or "{}")
    model_dir = Path(os.environ.get("FERRY_MODEL", "out/model"))
    test_csv = previous.get("train", {}).get("artifacts", {}).get("test", "out/test.csv")
    out = Path(os.environ.get("FERRY_OUTPUT_DIR", "eval"))
    out.mkdir(parents=True, exist_ok=True)
    model = load(model_dir)
    test = pd.read_csv(test_csv)

    predicted = model.predict(test[FEATURES])
    rng = np.random.default_rng(seed)
    noisy = test[FEATURES] * (1 + rng.uniform(-0.05, 0.05, size=test[FEATURES].shape))
    flipped = float(np.mean(model.predict(noisy) != predicted))
    metrics = {
        "accuracy": accuracy_score(test[LABEL], predicted),
        "macro_f1": f1_score(test[LABEL], predicted, average="macro"),
        "min_class_recall": float(min(recall_score(test[LABEL], predicted, average=None))),
        "noise_flip_rate": flipped,
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print("evaluated: " + ", ".join(f"{k}={v:.3f}" for k, v in metrics.items()))


if __name__ == "__main__":
    main()
