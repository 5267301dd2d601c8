"""The Python baselines of `npm run bench:drift`, run on the same files as Ferry.

  python baseline.py scipy REF CUR       pandas.read_csv (or read_parquet) + per column scipy.stats.ks_2samp and
                                         wasserstein_distance / std(ref), the statistics `ferry drift --method ks`
                                         and its default (wasserstein) compute
  python baseline.py evidently REF CUR   Evidently's DataDriftPreset (its default per-column tests) on the same frames

Prints a JSON summary (per column statistic, p-value) on stdout, so the bench can check the numbers agree.
"""
import json
import sys

import pandas as pd


def load(path):
    return pd.read_parquet(path) if path.endswith('.parquet') else pd.read_csv(path)


def scipy_baseline(ref_path, cur_path):
    import numpy as np
    from scipy import stats

    ref, cur = load(ref_path), load(cur_path)
    out = {}
    for col in ref.columns:
        r = ref[col].dropna().to_numpy()
        c = cur[col].dropna().to_numpy()
        ks = stats.ks_2samp(r, c)
        w = stats.wasserstein_distance(r, c) / max(float(np.std(r)), 0.001)
        out[col] = {'ks_statistic': float(ks.statistic), 'ks_pvalue': float(ks.pvalue), 'wasserstein': float(w)}
    return out


def evidently_baseline(ref_path, cur_path):
    from evidently import Report
    from evidently.presets import DataDriftPreset

    ref, cur = load(ref_path), load(cur_path)
    snapshot = Report([DataDriftPreset()]).run(current_data=cur, reference_data=ref)
    result = snapshot.dict()
    return {'metrics': len(result.get('metrics', []))}


if __name__ == '__main__':
    mode, ref_path, cur_path = sys.argv[1:4]
    result = scipy_baseline(ref_path, cur_path) if mode == 'scipy' else evidently_baseline(ref_path, cur_path)
    json.dump(result, sys.stdout)
    sys.stdout.write('\n')
