"""Generate reference values for the drift tests (test/drift/fixtures/*.json) with scipy.

Run:  pip install scipy numpy && python bench/drift/make-fixtures.py
Needs: Python 3.11, scipy (values were made with scipy 1.17.1, numpy 2.4.6). The tests never run Python: they read
the JSON written here. Inputs are described by small generator specs (see `gen`) that test/drift/generators.ts
reproduces bit for bit in TypeScript, so large samples (n up to 20,000) need not be stored.
"""
import json
import math
import os

import numpy as np
from scipy import special, stats
from scipy.spatial.distance import jensenshannon

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'drift', 'fixtures')
M = 2147483647


def gen(spec):
    """Park-Miller minstd uniforms; kind 'normalish' = (u1+u2+u3-1.5)*scale+shift, 'int' = floor(u*k)+shift."""
    state = spec['seed']
    out = []
    for _ in range(spec['n']):
        if spec['kind'] == 'int':
            state = (state * 48271) % M
            out.append(float(math.floor(state / M * spec['k']) + spec['shift']))
        else:
            s = 0.0
            for _ in range(3):
                state = (state * 48271) % M
                s += state / M
            out.append((s - 1.5) * spec['scale'] + spec['shift'])
    return np.array(out, dtype=np.float64)


def normalish(seed, n, scale=1.0, shift=0.0):
    return {'kind': 'normalish', 'seed': seed, 'n': n, 'scale': scale, 'shift': shift}


def ints(seed, n, k, shift=0):
    return {'kind': 'int', 'seed': seed, 'n': n, 'k': k, 'shift': shift}


def write(name, data):
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump(data, f, indent=1)


def ks_cases():
    specs = [
        (normalish(1, 8), normalish(2, 8, shift=0.5), ['auto', 'exact', 'asymp']),
        (normalish(3, 30), normalish(4, 45, shift=0.2), ['auto', 'exact', 'asymp']),
        (ints(5, 100, 7), ints(6, 100, 7, 1), ['auto', 'exact', 'asymp']),  # ties, n1 == n2
        (ints(7, 500, 20), ints(8, 700, 20), ['auto', 'exact', 'asymp']),
        (normalish(9, 1000), normalish(10, 1000, shift=0.1), ['auto', 'exact', 'asymp']),
        (normalish(11, 3000), normalish(12, 2500, shift=0.05), ['auto', 'exact', 'asymp']),
        (normalish(13, 10000), normalish(14, 10000, shift=0.02), ['auto', 'asymp']),
        (normalish(15, 10000), normalish(16, 8000, shift=0.03), ['auto']),
        (normalish(17, 10001), normalish(18, 10001, shift=0.02), ['auto', 'exact']),
        (normalish(19, 20000), normalish(20, 20000), ['auto']),
        (normalish(21, 20000), normalish(22, 15000, shift=0.03), ['auto']),
        (normalish(23, 20000), normalish(24, 20000, shift=0.15), ['auto']),  # tiny p (smirnov path)
        (normalish(25, 15000), normalish(26, 300, shift=0.1), ['auto']),
        (normalish(27, 300), normalish(28, 400, shift=1.0), ['auto', 'exact']),  # tiny exact p
        (ints(29, 20000, 50), ints(30, 12000, 50), ['auto']),  # ties, asymptotic
    ]
    cases = []
    for x, y, methods in specs:
        xa, ya = gen(x), gen(y)
        for m in methods:
            r = stats.ks_2samp(xa, ya, method=m)
            cases.append({'x': x, 'y': y, 'method': m, 'statistic': float(r.statistic), 'pvalue': float(r.pvalue)})
    return cases


def kstwo_cases():
    rng = np.random.default_rng(7)
    cases = []
    for n in [1, 2, 5, 10, 40, 100, 140, 141, 400, 1000, 5000, 20000, 100000, 100001, 500000]:
        ds = np.concatenate([rng.uniform(0, 1, 4), rng.uniform(0.5 / n, 4 / np.sqrt(n), 8), [0.5 / n, 1 / n, 0.5]])
        for d in ds:
            cases.append({'d': float(d), 'n': n, 'sf': float(stats.kstwo.sf(d, n))})
    return cases


def smirnov_cases():
    rng = np.random.default_rng(8)
    return [{'n': int(n), 'x': float(x), 'sf': float(special.smirnov(int(n), x))}
            for n in [1, 2, 3, 10, 50, 141, 1000, 20000, 2000000] for x in rng.uniform(0, 1, 6) ** 2]


def special_cases():
    rng = np.random.default_rng(9)
    ig = []
    for a in [0.5, 1, 1.5, 2.5, 10, 20.5, 50, 120.5, 199.5, 250, 1000, 50000.5]:
        for x in np.concatenate([rng.uniform(0, 3 * a + 5, 5), a + rng.normal(0, 1, 4) * np.sqrt(a), rng.uniform(0, 1.2, 3)]):
            ig.append({'a': a, 'x': float(abs(x)), 'q': float(special.gammaincc(a, abs(x)))})
    nd = [{'x': float(x), 'ndtr': float(special.ndtr(x))} for x in np.concatenate([rng.uniform(-40, 8, 30), [-38.5, -10, -1, 0, 1e-3]])]
    return {'igamc': ig, 'ndtr': nd}


def chi2_cases():
    rng = np.random.default_rng(10)
    out = []
    for k in [2, 2, 3, 5, 12, 60, 150, 500]:
        for _ in range(2):
            t = rng.integers(1, 60, size=(2, k))
            if k > 2:
                t[1, 0] = 0
            r = stats.chi2_contingency(t)
            out.append({'table': t.tolist(), 'statistic': float(r.statistic), 'pvalue': float(r.pvalue), 'dof': int(r.dof)})
    t = np.array([[900, 100], [400, 600]])  # tiny p
    r = stats.chi2_contingency(t)
    out.append({'table': t.tolist(), 'statistic': float(r.statistic), 'pvalue': float(r.pvalue), 'dof': int(r.dof)})
    return out


def contract_psi(r, c):
    nz = np.concatenate([r[r > 0], c[c > 0]])
    eps = nz.min() / 1e6 if nz.min() <= 1e-4 else 1e-4
    r = np.where(r == 0, eps, r)
    c = np.where(c == 0, eps, c)
    return float(np.sum((r - c) * np.log(r / c)))


def binned_cases():
    out = []
    specs = [
        (normalish(31, 2000), normalish(32, 1500, shift=0.3)),
        (normalish(33, 5000, scale=3), normalish(34, 5000, scale=3.5)),
        (normalish(35, 20000), normalish(36, 20000, shift=0.05)),
        (ints(37, 3000, 10), ints(38, 2000, 12)),  # few distinct: one bin per value
        (ints(39, 500, 40), ints(40, 800, 40, 5)),
        (normalish(41, 1000, scale=1e-6), normalish(42, 1000, scale=1e-6)),  # std below 0.001
    ]
    for x, y in specs:
        xa, ya = gen(x), gen(y)
        if len(np.unique(xa)) > 20:
            edges = np.histogram_bin_edges(np.concatenate([xa, ya]), bins='sturges')
            rc, _ = np.histogram(xa, bins=edges)
            cc, _ = np.histogram(ya, bins=edges)
        else:
            edges = None
            vals = np.unique(np.concatenate([xa, ya]))
            rc = np.array([np.sum(xa == v) for v in vals])
            cc = np.array([np.sum(ya == v) for v in vals])
        r, c = rc / rc.sum(), cc / cc.sum()
        out.append({
            'x': x, 'y': y,
            'edges': None if edges is None else edges.tolist(),
            'refCounts': rc.tolist(), 'curCounts': cc.tolist(),
            'psi': contract_psi(r, c),
            'jensenshannon': float(jensenshannon(r, c)),
            'wasserstein': float(stats.wasserstein_distance(xa, ya)),
            'wassersteinNormalised': float(stats.wasserstein_distance(xa, ya) / max(np.std(xa), 0.001)),
        })
    return out


def z_cases():
    out = []
    for x1, n1, x2, n2 in [(30, 100, 45, 100), (500, 1000, 520, 1000), (10, 1000, 200, 1000), (1, 20, 0, 30), (400, 5000, 1500, 5000)]:
        p1, p2 = x1 / n1, x2 / n2
        P = (p1 * n1 + p2 * n2) / (n1 + n2)
        z = (p1 - p2) / np.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2))
        out.append({'x1': x1, 'n1': n1, 'x2': x2, 'n2': n2, 'z': float(z), 'pvalue': float(2 * stats.norm.sf(abs(z)))})
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    write('ks2samp.json', ks_cases())
    write('kstwo.json', kstwo_cases())
    write('smirnov.json', smirnov_cases())
    write('special.json', special_cases())
    write('chi2.json', chi2_cases())
    write('binned.json', binned_cases())
    write('ztest.json', z_cases())
    write('_about.json', {'scipy': __import__('scipy').__version__, 'numpy': np.__version__,
                          'generator': 'bench/drift/make-fixtures.py'})


if __name__ == '__main__':
    main()
