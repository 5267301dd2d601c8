"""Reference values for src/metrics, computed by scikit-learn itself: writes test/metrics/fixtures/sklearn.json.

Run once, commit the output (test/metrics/sklearn.test.ts reads it):
    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn==1.7.2 numpy==2.3.5
    /tmp/skl/bin/python scripts/make-metric-fixtures.py
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn import metrics as m

rng = np.random.default_rng(17)
cases = []


def labels(n, classes, skew):
    p = np.array(skew, dtype=float)
    return list(rng.choice(classes, size=n, p=p / p.sum()))


def noisy(truth, classes, error):
    return [t if rng.random() > error else str(rng.choice(classes)) for t in truth]


for name, classes, skew, n, error in [
    ("binary-balanced", ["no", "yes"], [1, 1], 200, 0.3),
    ("binary-imbalanced", ["no", "yes"], [9, 1], 300, 0.2),
    ("three-classes", ["adelie", "chinstrap", "gentoo"], [5, 2, 3], 250, 0.35),
    ("four-classes-small", ["a", "b", "c", "d"], [1, 1, 1, 1], 23, 0.5),
]:
    truth = [str(x) for x in labels(n, classes, skew)]
    predicted = noisy(truth, classes, error)
    raw = rng.dirichlet(np.ones(len(classes)), size=n)
    # Probabilities that lean to the true class, so AUC is informative (and ties are present: rounded to 2 places).
    lean = np.array([[1.5 if c == t else 0.0 for c in classes] for t in truth])
    proba = raw + lean * rng.random((n, 1))
    proba = np.round(proba / proba.sum(axis=1, keepdims=True), 2)
    proba[:, -1] = np.round(1 - proba[:, :-1].sum(axis=1), 2)
    proba = np.clip(proba, 0, 1)
    proba = proba / proba.sum(axis=1, keepdims=True)
    case = {"name": name, "classes": classes, "truth": truth, "predicted": predicted, "probabilities": proba.tolist(), "expected": {}}
    e = case["expected"]
    e["accuracy"] = m.accuracy_score(truth, predicted)
    for metric, fn in [("precision", m.precision_score), ("recall", m.recall_score), ("f1", m.f1_score)]:
        for avg in ["macro", "weighted"]:
            e[f"{metric}:{avg}"] = fn(truth, predicted, average=avg, zero_division=0)
        per = fn(truth, predicted, average=None, labels=classes, zero_division=0)
        for c, v in zip(classes, per):
            e[f"{metric}:class={c}"] = float(v)
    e["log_loss"] = m.log_loss(truth, proba, labels=classes)
    if len(classes) == 2:
        pos = classes[1]
        e[f"roc_auc:class={pos}"] = m.roc_auc_score([t == pos for t in truth], proba[:, 1])
        e[f"log_loss:class={pos}"] = m.log_loss([t == pos for t in truth], proba[:, 1])
    else:
        e["roc_auc:macro"] = m.roc_auc_score(truth, proba, multi_class="ovr", average="macro", labels=classes)
        e["roc_auc:weighted"] = m.roc_auc_score(truth, proba, multi_class="ovr", average="weighted", labels=classes)
    cases.append(case)

regression = []
for name, n, scale in [("regression-wide", 200, 10.0), ("regression-small", 17, 0.5)]:
    truth = rng.normal(50, scale, size=n)
    predicted = truth + rng.normal(0, scale / 2, size=n)
    regression.append({
        "name": name,
        "truth": truth.tolist(),
        "predicted": predicted.tolist(),
        "expected": {
            "mae": m.mean_absolute_error(truth, predicted),
            "rmse": float(np.sqrt(m.mean_squared_error(truth, predicted))),
            "r2": m.r2_score(truth, predicted),
        },
    })

out = pathlib.Path(__file__).resolve().parent.parent / "test" / "metrics" / "fixtures" / "sklearn.json"
out.write_text(json.dumps({"sklearn": sklearn.__version__, "classification": cases, "regression": regression}, indent=1) + "\n")
print(f"wrote {out} (scikit-learn {sklearn.__version__})")
