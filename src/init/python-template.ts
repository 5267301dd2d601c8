import { seededRandom } from './ts-template.js';

/**
 * `ferry init --python`: a scikit-learn project whose steps are Python scripts run as command steps — train.py
 * writes an MLServer-ready model directory (model.joblib + model-settings.json), evaluate.py scores it through
 * FERRY_MODEL, a unit test runs in the build stage, and all three use one pinned requirements.txt (one cached venv).
 */

/** Pinned so the venv (keyed by this file's hash) and the trained model are the same on every machine. */
export const PYTHON_REQUIREMENTS = `# Installed by Ferry into a cached venv keyed by this file's hash; keep every line pinned (name==version).
scikit-learn==1.5.2
numpy==2.1.3
scipy==1.14.1
joblib==1.4.2
threadpoolctl==3.5.0
`;

export const TRAIN_PY = `"""Trains the model: a random forest on data/train.csv, written as a directory MLServer can serve.

Ferry runs it with the step contract in its environment (README, "The step contract"): FERRY_PARAMS, FERRY_SEED,
FERRY_DATASET_TRAIN, FERRY_OUTPUT_DIR. Run it by hand with the defaults below: python train.py
"""
import csv
import json
import os
import random

import joblib
from sklearn.ensemble import RandomForestClassifier

FEATURES = ["tenure_months", "monthly_charges", "support_calls"]
LABEL = "churned"


def load(path):
    """Feature rows and labels from the CSV."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return [[float(r[c]) for c in FEATURES] for r in rows], [int(r[LABEL]) for r in rows]


def split(features, labels, seed, holdout=0.25):
    """A seeded train/holdout split: the same seed gives the same split (evaluate.py uses it too)."""
    order = list(range(len(features)))
    random.Random(seed).shuffle(order)
    cut = int(len(order) * (1 - holdout))

    def pick(indices):
        return [features[i] for i in indices], [labels[i] for i in indices]

    return pick(order[:cut]), pick(order[cut:])


def fit(features, labels, trees, seed):
    """The model; single-threaded and seeded, so a rerun writes the same bytes (ferry reproduce checks that)."""
    return RandomForestClassifier(n_estimators=trees, max_depth=6, random_state=seed, n_jobs=1).fit(features, labels)


def main():
    params = json.loads(os.environ.get("FERRY_PARAMS", "{}"))
    seed = int(os.environ.get("FERRY_SEED", "0"))
    out = os.environ.get("FERRY_OUTPUT_DIR", "out/train")
    features, labels = load(os.environ.get("FERRY_DATASET_TRAIN", "data/train.csv"))
    (train_x, train_y), _ = split(features, labels, seed)
    model = fit(train_x, train_y, int(params.get("trees", 50)), seed)

    model_dir = os.path.join(out, "model")
    os.makedirs(model_dir, exist_ok=True)
    joblib.dump(model, os.path.join(model_dir, "model.joblib"))
    settings = {"name": os.environ.get("FERRY_MODEL_NAME", "model"), "implementation": "mlserver_sklearn.SKLearnModel", "parameters": {"uri": "./model.joblib"}}
    with open(os.path.join(model_dir, "model-settings.json"), "w") as f:
        json.dump(settings, f, indent=2, sort_keys=True)
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump({"train_accuracy": model.score(train_x, train_y)}, f)
    print(f"trained {len(model.estimators_)} trees on {len(train_x)} rows")


if __name__ == "__main__":
    main()
`;

export const EVALUATE_PY = `"""Scores the trained model on the holdout rows: FERRY_MODEL is the model directory train.py wrote."""
import json
import os

import joblib
from sklearn.metrics import accuracy_score, f1_score

from train import load, split


def main():
    seed = int(os.environ.get("FERRY_SEED", "0"))
    model = joblib.load(os.path.join(os.environ.get("FERRY_MODEL", "out/train/model"), "model.joblib"))
    features, labels = load(os.environ.get("FERRY_DATASET_TRAIN", "data/train.csv"))
    _, (test_x, test_y) = split(features, labels, seed)
    predicted = model.predict(test_x)
    metrics = {"accuracy": accuracy_score(test_y, predicted), "f1": f1_score(test_y, predicted)}
    out = os.environ.get("FERRY_OUTPUT_DIR", "out/evaluate")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f)
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
`;

export const TEST_TRAIN_PY = `"""Unit tests of train.py, run in the pipeline's build stage (python -m unittest discover -s tests)."""
import os
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from train import fit, load, split  # noqa: E402


class TrainTest(unittest.TestCase):
    def setUp(self):
        self.features, self.labels = load(os.path.join(ROOT, "data", "train.csv"))

    def test_split_is_seeded(self):
        self.assertEqual(split(self.features, self.labels, 7), split(self.features, self.labels, 7))
        self.assertNotEqual(split(self.features, self.labels, 7), split(self.features, self.labels, 8))

    def test_learns_better_than_chance(self):
        (train_x, train_y), (test_x, test_y) = split(self.features, self.labels, 7)
        self.assertGreater(fit(train_x, train_y, trees=20, seed=7).score(test_x, test_y), 0.7)


if __name__ == "__main__":
    unittest.main()
`;

/** The example data: customers with a churn label that depends on their features (seeded, so always the same file). */
export function churnCsv(rows = 400): string {
  const next = seededRandom(20260101);
  const lines = ['tenure_months,monthly_charges,support_calls,churned'];
  for (let i = 0; i < rows; i++) {
    const tenure = Math.floor(next() * 72) + 1;
    const charges = Math.round((20 + next() * 100) * 100) / 100;
    const calls = Math.floor(next() * 6);
    const score = calls * 0.9 + charges / 40 - tenure / 15 + (next() - 0.5) * 1.5;
    lines.push(`${tenure},${charges},${calls},${score > 1.2 ? 1 : 0}`);
  }
  return `${lines.join('\n')}\n`;
}
