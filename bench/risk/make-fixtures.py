"""Generate reference values for the risk tests (test/risk/fixtures/*.json) with scikit-learn and fairlearn.

Run:  pip install scikit-learn fairlearn && python bench/risk/make-fixtures.py
Needs: Python 3.11 (values were made with scikit-learn 1.9.1, fairlearn 0.15.0, numpy 2.4.6). The tests never run
Python: they read the JSON written here.

- importance.json: a depth-2 decision tree fitted on the penguins data (exported node by node so TypeScript evaluates
  the same tree) and sklearn.inspection.permutation_importance on 60 rows with a FIXED list of permutations (RNGs
  differ between numpy and Ferry, so both sides are fed the same permutations; see FixedShuffles).
- fairness.json: fairlearn MetricFrame per group plus demographic_parity_difference / equalized_odds_difference
  (method 'between_groups') for binary cases, and the one-vs-rest average of the binary values for the multiclass case.
- prng.json: mulberry32 draws and Fisher-Yates permutations from a Python port of the published JavaScript.
- calibration.json: expected calibration error with equal-width bins (lo, hi] (numpy searchsorted on np.linspace
  edges, as sklearn.calibration.calibration_curve bins), and the reliability table.
"""
import json
import os

import numpy as np
import sklearn.inspection._permutation_importance as pi_module
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_difference,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, f1_score
from sklearn.tree import DecisionTreeClassifier

HERE = os.path.dirname(__file__)
OUT = os.path.join(HERE, '..', '..', 'test', 'risk', 'fixtures')
PENGUINS = os.path.join(HERE, '..', '..', 'node_modules', 'vega-datasets', 'data', 'penguins.json')
FEATURES = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g']
SOURCE = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)']


def write(name, data):
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump(data, f, indent=1)


def clean(x):
    """NaN → None so JSON stays standard (fairlearn reports NaN for a rate with an empty denominator)."""
    if isinstance(x, float) and np.isnan(x):
        return None
    return float(x)


def load_rows():
    raw = json.load(open(PENGUINS))
    rows = []
    for r in raw:
        if any(r[c] is None for c in SOURCE) or r['Sex'] not in ('MALE', 'FEMALE'):
            continue
        row = {f: float(r[c]) for f, c in zip(FEATURES, SOURCE)}
        row.update(island=r['Island'], sex=r['Sex'].lower(), species=r['Species'])
        rows.append(row)
    return rows


def export_tree(tree, classes):
    t = tree.tree_
    nodes = []
    for i in range(t.node_count):
        leaf = t.children_left[i] == -1
        counts = t.value[i][0]
        nodes.append({
            'feature': None if leaf else FEATURES[t.feature[i]],
            'threshold': None if leaf else float(t.threshold[i]),
            'left': int(t.children_left[i]),
            'right': int(t.children_right[i]),
            'proba': [float(v / counts.sum()) for v in counts],
        })
    return {'classes': list(classes), 'nodes': nodes}


class FixedShuffles:
    """Stands in for numpy's RandomState inside permutation_importance: repeat r of a feature shows the column as
    original[perm_r] (sklearn applies its shuffles cumulatively, so each call is given prev^-1 ∘ perm_r)."""

    def __init__(self, perms):
        self.perms = perms
        self.r = 0
        self.prev = None

    def shuffle(self, idx):
        perm = np.array(self.perms[self.r])
        prev = np.arange(len(idx)) if self.prev is None else self.prev
        inverse = np.argsort(prev)
        idx[:] = inverse[perm]
        self.prev = perm
        self.r += 1


def importance_fixture(rows):
    X_all = np.array([[r[f] for f in FEATURES] for r in rows])
    y_all = np.array([r['species'] for r in rows])
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X_all, y_all)
    sub = rows[::5][:60]
    X = np.array([[r[f] for f in FEATURES] for r in sub])
    y = np.array([r['species'] for r in sub])
    rng = np.random.default_rng(42)
    repeats = 4
    perms = {f: [rng.permutation(len(sub)).tolist() for _ in range(repeats)] for f in FEATURES}

    cases = []
    for metric, scoring in [('accuracy', 'accuracy'), ('macro-f1', 'f1_macro')]:
        feature_iter = iter(FEATURES)
        original = pi_module.check_random_state

        def fake(seed):
            if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
                return FixedShuffles(perms[next(feature_iter)])
            return original(seed)

        # permutation_importance draws one seed from check_random_state(random_state) first: keep that one real.
        calls = {'n': 0}

        def patched(seed):
            calls['n'] += 1
            return original(seed) if calls['n'] == 1 else fake(seed)

        pi_module.check_random_state = patched
        try:
            res = pi_module.permutation_importance(tree, X, y, scoring=scoring, n_repeats=repeats, random_state=0, n_jobs=1)
        finally:
            pi_module.check_random_state = original
        pred = tree.predict(X)
        baseline = accuracy_score(y, pred) if metric == 'accuracy' else f1_score(y, pred, average='macro')
        cases.append({
            'metric': metric,
            'repeats': repeats,
            'baseline': float(baseline),
            'importances': {
                f: {'mean': float(res.importances_mean[i]), 'std': float(res.importances_std[i]), 'drops': res.importances[i].tolist()}
                for i, f in enumerate(FEATURES)
            },
        })
    return {
        'features': FEATURES,
        'tree': export_tree(tree, tree.classes_),
        'rows': sub,
        'labels': y.tolist(),
        'predictions': tree.predict(X).tolist(),
        'probabilities': tree.predict_proba(X).tolist(),
        'permutations': perms,
        'cases': cases,
    }, tree


def binary_fairness(y_true, y_pred, groups):
    mf = MetricFrame(
        metrics={'count': count, 'accuracy': accuracy_score, 'selectionRate': selection_rate, 'tpr': true_positive_rate, 'fpr': false_positive_rate},
        y_true=y_true, y_pred=y_pred, sensitive_features=groups,
    )
    per_group = {str(g): {k: clean(v) for k, v in mf.by_group.loc[g].items()} for g in mf.by_group.index}
    return {
        'groups': per_group,
        'demographicParityDifference': float(demographic_parity_difference(y_true, y_pred, sensitive_features=groups, method='between_groups')),
        'equalizedOddsDifference': float(equalized_odds_difference(y_true, y_pred, sensitive_features=groups, method='between_groups')),
    }


def fairness_fixture(imp):
    labels = np.array(imp['labels'])
    preds = np.array(imp['predictions'])
    cases = []
    for attribute in ['island', 'sex']:
        groups = np.array([r[attribute] for r in imp['rows']])
        for positive in ['Adelie', 'Gentoo']:
            ref = binary_fairness((labels == positive).astype(int), (preds == positive).astype(int), groups)
            cases.append({'attribute': attribute, 'positiveClass': positive, **ref})
        classes = sorted(set(labels) | set(preds))
        per_class = {c: binary_fairness((labels == c).astype(int), (preds == c).astype(int), groups) for c in classes}
        cases.append({
            'attribute': attribute,
            'positiveClass': None,
            'accuracy': {str(g): float(accuracy_score(labels[groups == g], preds[groups == g])) for g in sorted(set(groups))},
            'perClass': per_class,
            'demographicParityDifference': float(np.mean([v['demographicParityDifference'] for v in per_class.values()])),
            'equalizedOddsDifference': float(np.mean([v['equalizedOddsDifference'] for v in per_class.values()])),
        })
    return {'rows': imp['rows'], 'labels': imp['labels'], 'predictions': imp['predictions'], 'cases': cases}


def ece(conf, correct, bins):
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.searchsorted(edges[1:-1], conf)  # side='left': a confidence on an edge belongs to the lower bin
    table = []
    total = 0.0
    for b in range(bins):
        m = idx == b
        n = int(m.sum())
        if n == 0:
            table.append({'bin': b, 'lower': float(edges[b]), 'upper': float(edges[b + 1]), 'count': 0, 'meanConfidence': None, 'accuracy': None})
            continue
        mc, acc = float(conf[m].mean()), float(correct[m].mean())
        total += n / len(conf) * abs(acc - mc)
        table.append({'bin': b, 'lower': float(edges[b]), 'upper': float(edges[b + 1]), 'count': n, 'meanConfidence': mc, 'accuracy': acc})
    return float(total), table


def calibration_fixture(imp):
    rng = np.random.default_rng(7)
    cases = []
    for n, bins in [(50, 10), (200, 5), (200, 15)]:
        conf = np.round(rng.uniform(0.3, 1.0, n), 6)
        conf[:3] = [0.5, 0.7, 1.0]  # exact edges
        correct = (rng.uniform(0, 1, n) < conf ** 1.5).astype(float)
        preds = ['a'] * n
        labels = ['a' if c else 'b' for c in correct]
        value, table = ece(conf, correct, bins)
        cases.append({'name': f'n{n}-bins{bins}', 'bins': bins, 'probabilities': conf.tolist(), 'predictions': preds, 'labels': labels, 'ece': value, 'table': table})
    classes = imp['tree']['classes']
    proba = np.array(imp['probabilities'])
    preds = np.array(imp['predictions'])
    conf = np.array([proba[i][classes.index(p)] for i, p in enumerate(preds)])
    correct = (preds == np.array(imp['labels'])).astype(float)
    value, table = ece(conf, correct, 10)
    cases.append({
        'name': 'tree-per-class',
        'bins': 10,
        'probabilities': [dict(zip(classes, p)) for p in proba.tolist()],
        'predictions': preds.tolist(),
        'labels': imp['labels'],
        'ece': value,
        'table': table,
    })
    return {'cases': cases}


def mulberry32(seed):
    """The reference mulberry32 (as published in JavaScript) on unsigned 32-bit integers, to pin Ferry's port."""
    state = seed & 0xFFFFFFFF

    def imul(x, y):
        return ((x & 0xFFFFFFFF) * (y & 0xFFFFFFFF)) & 0xFFFFFFFF

    def draw():
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = imul(state ^ (state >> 15), 1 | state)
        t = ((t + imul(t ^ (t >> 7), 61 | t)) & 0xFFFFFFFF) ^ t
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return draw


def prng_fixture():
    cases = []
    for seed in [0, 1, 42, 2**31 - 1, 2**32 - 1]:
        draw = mulberry32(seed)
        values = [draw() for _ in range(8)]
        draw = mulberry32(seed)
        perm = list(range(10))
        for i in range(9, 0, -1):  # Fisher-Yates (Durstenfeld)
            j = int(draw() * (i + 1))
            perm[i], perm[j] = perm[j], perm[i]
        cases.append({'seed': seed, 'values': values, 'permutation10': perm})
    return {'cases': cases}


def main():
    import fairlearn
    import sklearn
    rows = load_rows()
    imp, _ = importance_fixture(rows)
    write('importance.json', imp)
    write('fairness.json', fairness_fixture(imp))
    write('calibration.json', calibration_fixture(imp))
    write('prng.json', prng_fixture())
    write('_about.json', {'generator': 'bench/risk/make-fixtures.py', 'sklearn': sklearn.__version__, 'fairlearn': fairlearn.__version__, 'numpy': np.__version__})


if __name__ == '__main__':
    main()
