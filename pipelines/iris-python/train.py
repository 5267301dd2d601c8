"""Trains the iris classifier: a scikit-learn pipeline (scaling + random forest) written with joblib.

Ferry runs it as a command step and passes the run's seed, params and data in FERRY_SEED, FERRY_PARAMS (JSON) and
FERRY_DATASET_IRIS; it writes into FERRY_OUTPUT_DIR (default `out/`):
  model/           the model directory: model.joblib, the fitted pipeline, which MLServer's scikit-learn runtime serves;
                   with the param `format: "mlflow"`, an MLflow model directory instead (`mlflow.sklearn.save_model`, with
                   its signature), which MLServer's MLflow runtime serves (needs requirements-mlflow.txt)
  metrics.json     held-out accuracy and macro F1 (flat numbers: what the pipeline's gates read)
  reference.csv    the training features, the reference the drift monitor compares live traffic with
  test.csv         the held-out rows, for evaluate.py
Run it by hand the same way: `FERRY_PARAMS='{"trees": 50}' python train.py`.
"""
import json
import os
from pathlib import Path

import joblib
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).resolve().parent
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
LABEL = "species"


def params() -> dict:
    given = json.loads(os.environ.get("FERRY_PARAMS") or "{}")
    return {"trees": int(given.get("trees", 50)), "max_depth": int(given.get("max_depth", 4)), "test_size": float(given.get("test_size", 0.3)), "format": str(given.get("format", "joblib"))}


def save_mlflow(model, features: pd.DataFrame, path: Path) -> None:
    """The MLflow flavour of the model: what `mlflow.pyfunc.load_model` and MLServer's MLflow runtime read."""
    import mlflow.sklearn
    from mlflow.models import infer_signature

    if path.exists():
        import shutil

        shutil.rmtree(path)
    # Float inputs: served requests carry FP64 columns, whatever dtype the CSV gave a column.
    features = features.astype("float64")
    mlflow.sklearn.save_model(model, path, signature=infer_signature(features, model.predict(features)), input_example=features.head(2))


def main() -> None:
    seed = int(os.environ.get("FERRY_SEED", "0"))
    p = params()
    out = Path(os.environ.get("FERRY_OUTPUT_DIR", "out"))
    out.mkdir(parents=True, exist_ok=True)

    data = pd.read_csv(os.environ.get("FERRY_DATASET_IRIS") or HERE / "data" / "iris.csv")
    train, test = train_test_split(data, test_size=p["test_size"], random_state=seed, stratify=data[LABEL])
    model = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=p["trees"], max_depth=p["max_depth"], random_state=seed))
    model.fit(train[FEATURES], train[LABEL])

    predicted = model.predict(test[FEATURES])
    metrics = {"accuracy": accuracy_score(test[LABEL], predicted), "macro_f1": f1_score(test[LABEL], predicted, average="macro"), "train_rows": len(train), "test_rows": len(test)}
    if p["format"] == "mlflow":
        save_mlflow(model, train[FEATURES], out / "model")
    else:
        (out / "model").mkdir(exist_ok=True)
        joblib.dump(model, out / "model" / "model.joblib")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    train[FEATURES].to_csv(out / "reference.csv", index=False)
    test.to_csv(out / "test.csv", index=False)
    print(f"trained {p} seed={seed}: accuracy={metrics['accuracy']:.3f} macro_f1={metrics['macro_f1']:.3f}")


if __name__ == "__main__":
    main()
