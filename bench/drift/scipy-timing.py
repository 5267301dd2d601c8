"""Times scipy on data shaped like bench/drift.ts (1M rows per window, normal, current shifted) for comparison.

Run: python bench/drift/scipy-timing.py [features]   (needs numpy, scipy; not used by tests). The samples come from
numpy's generator, not mulberry32, so statistics differ from the TS bench; the shifts and sizes are the same.
"""
import sys
import time

import numpy as np
from scipy import stats

rows = 1_000_000
features = int(sys.argv[1]) if len(sys.argv) > 1 else 20
print(f'scipy {__import__("scipy").__version__}, numpy {np.__version__}: {rows:,} rows x {features} features')
print(f'{"feature":>7} {"shift":>6} {"sort ms":>8} {"ks_2samp ms":>12} {"wasserstein ms":>15} {"p":>11}')
for f in range(features):
    shift = 0 if f % 4 == 0 else 0.002 * f
    rng = np.random.default_rng(f)
    ref = rng.normal(0, 1, rows)
    cur = rng.normal(shift, 1, rows)
    t = time.perf_counter(); np.sort(ref); np.sort(cur); ts = time.perf_counter() - t
    t = time.perf_counter(); r = stats.ks_2samp(ref, cur); tk = time.perf_counter() - t
    t = time.perf_counter(); stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001); tw = time.perf_counter() - t
    print(f'{"f%d" % f:>7} {shift:6.3f} {ts*1e3:8.1f} {tk*1e3:12.1f} {tw*1e3:15.1f} {r.pvalue:11.3e}')
