/** The Python side of `npm run bench:drift`: pinned so that every run compares against the same libraries. */
export const BASELINE_REQUIREMENTS = ['numpy==2.3.5', 'pandas==2.3.3', 'scipy==1.17.1', 'evidently==0.7.23', 'pyarrow==21.0.0'];
