import { MLSERVER_REQUIREMENTS } from '../mlserver/requirements.js';
import { seededRandom } from './ts-template.js';

/**
 * `ferry init --python`: a scikit-learn project whose steps are Python scripts run as command steps — train.py
 * writes a model directory MLServer serves (model/model.joblib), evaluate.py scores it through
 * FERRY_MODEL, a unit test runs in the build stage, and all three use one pinned requirements.txt (one cached venv).
 */

/**
 * Pinned to the libraries Ferry's MLServer serves with (src/mlserver/requirements.ts): a joblib model loads only with
 * the scikit-learn it was written with. The venv is keyed by this file's hash.
 */
const PINNED = ['numpy', 'pandas', 'scikit-learn', 'scipy', 'joblib'].map((name) => {
  const pin = MLSERVER_REQUIREMENTS.find((r) => r.startsWith(`${name}==`));
  if (!pin) throw new Error(`src/mlserver/requirements.ts pins no ${name}`);
  return pin;
});
export const PYTHON_REQUIREMENTS = `# Installed by Ferry into a cached venv keyed by this file's hash; keep every line pinned (name==version).
# scikit-learn and joblib match what Ferry's MLServer serves with: a joblib model loads only with the version that wrote it.
${PINNED.join('\n')}
`;

export const TRAIN_PY = `"""Trains the model: a random forest on data/train.csv, written as a model directory MLServer serves.

Ferry runs it with the step contract in its environment (README, "The step contract"): FERRY_PARAMS, FERRY_SEED,
FERRY_DATASET_TRAIN, FERRY_OUTPUT_DIR. It writes there:
  model/model.joblib  the fitted model (MLServer's scikit-learn runtime serves the directory as it is)
  metrics.json        flat numbers (the pipeline's gates read evaluate.py's)
  reference.csv       the training features: what the drift monitor compares live traffic with
Run it by hand with the defaults below: python train.py
"""
import json
import os

import joblib
import pandas as pd
from sklearn.ensemble import RandomForestClassifier

FEATURES = ["tenure_months", "monthly_charges", "support_calls"]
LABEL = "churned"


def load(path):
    """The dataset as a DataFrame."""
    return pd.read_csv(path)


def split(data, seed, holdout=0.25):
    """A seeded train/holdout split: the same seed gives the same rows (evaluate.py uses it too)."""
    test = data.sample(frac=holdout, random_state=seed)
    return data.drop(test.index), test


def fit(train, trees, seed):
    """The model; single-threaded and seeded, so a rerun writes the same bytes (ferry reproduce checks that)."""
    return RandomForestClassifier(n_estimators=trees, max_depth=6, random_state=seed, n_jobs=1).fit(train[FEATURES], train[LABEL])


def main():
    params = json.loads(os.environ.get("FERRY_PARAMS") or "{}")
    seed = int(os.environ.get("FERRY_SEED", "0"))
    out = os.environ.get("FERRY_OUTPUT_DIR", "out/train")
    train, _ = split(load(os.environ.get("FERRY_DATASET_TRAIN", "data/train.csv")), seed)
    model = fit(train, int(params.get("trees", 50)), seed)
    os.makedirs(os.path.join(out, "model"), exist_ok=True)
    joblib.dump(model, os.path.join(out, "model", "model.joblib"))
    train[FEATURES].to_csv(os.path.join(out, "reference.csv"), index=False)
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump({"train_accuracy": model.score(train[FEATURES], train[LABEL])}, f)
    print(f"trained {len(model.estimators_)} trees on {len(train)} rows")


if __name__ == "__main__":
    main()
`;

export const EVALUATE_PY = `"""Scores the trained model on the holdout rows: FERRY_MODEL is the model directory train.py wrote."""
import json
import os

import joblib
from sklearn.metrics import accuracy_score, f1_score

from train import FEATURES, LABEL, load, split


def main():
    seed = int(os.environ.get("FERRY_SEED", "0"))
    model = joblib.load(os.path.join(os.environ.get("FERRY_MODEL", "out/train/model"), "model.joblib"))
    _, test = split(load(os.environ.get("FERRY_DATASET_TRAIN", "data/train.csv")), seed)
    predicted = model.predict(test[FEATURES])
    metrics = {"accuracy": accuracy_score(test[LABEL], predicted), "f1": f1_score(test[LABEL], predicted)}
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

from train import FEATURES, LABEL, fit, load, split  # noqa: E402


class TrainTest(unittest.TestCase):
    def setUp(self):
        self.data = load(os.path.join(ROOT, "data", "train.csv"))

    def test_split_is_seeded(self):
        self.assertTrue(split(self.data, 7)[1].equals(split(self.data, 7)[1]))
        self.assertFalse(split(self.data, 7)[1].equals(split(self.data, 8)[1]))

    def test_learns_better_than_chance(self):
        train, test = split(self.data, 7)
        self.assertGreater(fit(train, trees=20, seed=7).score(test[FEATURES], test[LABEL]), 0.7)


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
