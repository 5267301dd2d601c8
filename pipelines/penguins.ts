import { approval, command, definePipeline, gate, risk, step } from 'ferry';

/**
 * The flagship example: a random forest that tells Palmer penguins apart (Adelie, Chinstrap, Gentoo), taken through
 * the whole lifecycle. Step functions and the predictor live in `pipelines/penguins/` and are registered in
 * ferry.config.ts. Tunables are pipeline params, read by the steps: `ferry run pipelines/penguins.ts --param trees=80`.
 */
export default definePipeline({
  name: 'penguins',
  model: 'penguins',
  owner: 'ml-leads',
  description: 'Palmer penguins species classifier (random forest), with a canary to production and a drift monitor',
  // Runs from a fresh clone or a working copy; the run records the commit it checked out. A team pipeline would
  // drop this and refuse uncommitted changes.
  repo: { path: '.', allowDirty: true },
  // Hashed at integration: the recorded sha256 is the data the train step reads (ctx.datasets.penguins.path).
  datasets: [{ name: 'penguins', path: 'pipelines/penguins/data/penguins.csv' }],
  params: { trees: 50, testShare: 0.25 },
  seed: 42,
  build: [command('check-data', 'node pipelines/penguins/check.mjs pipelines/penguins/data/penguins.csv', { timeout: '2m', retries: 0 })],
  train: step('train', 'penguins.train', {}, { timeout: '10m', heartbeat: '1m' }),
  evaluate: {
    step: step('evaluate', 'penguins.evaluate', {}, { timeout: '5m' }),
    gates: [gate.min('accuracy', 0.9), gate.noRegression('macroF1', { tolerance: 0.02 })],
    // Model risk: why it decides, whether islands and sexes are treated alike, whether small noise flips it, whether
    // its vote shares mean what they say.
    checks: [
      risk.importance({ repeats: 5 }),
      risk.fairness({ attribute: 'island', minGroupAccuracy: 0.85 }),
      risk.fairness({ attribute: 'sex', minGroupAccuracy: 0.85 }),
      risk.robustness({ perturbations: [{ kind: 'noise', features: ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'], scale: 0.05 }], maxFlipRate: 0.1 }),
      risk.calibration({ bins: 10, maxEce: 0.1 }),
    ],
  },
  card: {
    intendedUse: 'Teaching and demonstrating the model lifecycle: telling Adelie, Chinstrap and Gentoo penguins apart from four body measurements, island and sex.',
    limitations: [
      'Trained on 333 birds from three islands of the Palmer Archipelago (2007–2009); other colonies or years may differ.',
      'Measurements taken with other instruments or units (a scale reading heavy, flippers measured differently) shift the inputs: the monitor watches for that drift.',
    ],
    outOfScope: ['Any decision about living animals.'],
  },
  deploy: [
    { env: 'staging', approval: approval({ groups: ['ml-leads'] }) },
    {
      env: 'production',
      approval: approval({ groups: ['ml-leads'] }),
      strategy: { kind: 'canary', steps: [10, 50, 100], bake: '20s', maxErrorRate: 0.05 },
    },
  ],
  monitor: { every: '1h', maxDriftShare: 0.3, minMetric: { metric: 'accuracy', min: 0.85 }, onBreach: 'rollback' },
});
