import { approval, command, definePipeline, gate } from 'ferry';

/**
 * The Python example: a scikit-learn model trained, evaluated and tested by Python scripts (command steps, in
 * `pipelines/iris-python/`), served by MLServer behind Ferry's gateway. Ferry versions the data and the model, gates on
 * the metrics evaluate.py writes, canaries production on MLServer and watches it for drift.
 * Each step runs in a cached venv built from the pinned `pipelines/iris-python/requirements.txt` (the scikit-learn
 * MLServer serves with); `python -m pytest pipelines/iris-python` runs the unit tests by hand.
 */
const REQUIREMENTS = 'pipelines/iris-python/requirements.txt';

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
  build: [command('unit-tests', 'python -m pytest -q -p no:cacheprovider pipelines/iris-python/test_train.py', { requirements: REQUIREMENTS, timeout: '5m' })],
  // out/model is a directory (model.joblib inside): MLServer's scikit-learn runtime serves it as it is.
  train: command('train', 'python pipelines/iris-python/train.py', { outputs: 'out', artifacts: { reference: 'reference.csv', test: 'test.csv' }, requirements: REQUIREMENTS, timeout: '10m' }),
  evaluate: {
    step: command('evaluate', 'python pipelines/iris-python/evaluate.py', { outputs: 'eval', requirements: REQUIREMENTS, timeout: '5m' }),
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
