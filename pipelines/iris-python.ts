import { approval, command, definePipeline, gate } from '../src/index.js';

/**
 * The Python example: a scikit-learn model trained, evaluated and tested by Python scripts (command steps, in
 * `pipelines/iris-python/`), served by MLServer behind Ferry's gateway. Ferry versions the data and the model, gates on
 * the metrics evaluate.py writes, canaries production on MLServer and watches it for drift.
 * `python` must have the libraries of `pipelines/iris-python/requirements.txt`
 * (`python -m venv .venv && .venv/bin/pip install -r pipelines/iris-python/requirements.txt`, then put `.venv/bin` on PATH).
 */
export default definePipeline({
  name: 'iris-python',
  model: 'iris-python',
  owner: 'ml-leads',
  description: 'Iris species classifier (scikit-learn random forest) trained in Python and served by MLServer',
  repo: { path: '.', allowDirty: true },
  datasets: [{ name: 'iris', path: 'pipelines/iris-python/data/iris.csv' }],
  // Read by train.py from FERRY_PARAMS: `ferry run pipelines/iris-python.ts --param trees=80`.
  params: { trees: 50, max_depth: 4 },
  seed: 7,
  build: [command('unit-tests', 'python -m pytest -q -p no:cacheprovider pipelines/iris-python/test_train.py', { timeout: '5m' })],
  train: command('train', 'python pipelines/iris-python/train.py', { outputs: 'out', timeout: '10m' }),
  evaluate: {
    step: command('evaluate', 'python pipelines/iris-python/evaluate.py', { outputs: 'eval', env: { FERRY_MODEL_DIR: 'out' }, timeout: '5m' }),
    gates: [
      gate.min('accuracy', 0.9),
      gate.noRegression('macro_f1', { tolerance: 0.02 }),
      // The risk checks that apply to an external model, computed by evaluate.py: no species left behind, and small
      // measurement noise does not flip the answers.
      gate.min('min_class_recall', 0.8),
      gate.max('noise_flip_rate', 0.1),
    ],
  },
  deploy: [
    { env: 'staging', target: 'mlserver', approval: approval({ groups: ['ml-leads'] }) },
    {
      env: 'production',
      target: 'mlserver',
      approval: approval({ groups: ['ml-leads'] }),
      strategy: { kind: 'canary', steps: [50, 100], bake: '20s', maxErrorRate: 0.05 },
    },
  ],
  monitor: { every: '1h', maxDriftShare: 0.5, onBreach: 'rollback', predictionField: 'predict' },
});
