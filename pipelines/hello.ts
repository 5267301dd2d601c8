import { command, definePipeline, gate, step } from 'ferry';

/** The smallest real pipeline: integrate this repository, run a check, fit a line, gate on its R². */
export default definePipeline({
  name: 'hello',
  description: 'A few trivial steps through the real stack',
  // The demo runs from a fresh clone; local edits are fine here, the run records the commit it checked out.
  repo: { path: '.', allowDirty: true },
  build: [command('check', 'node --version && git log -1 --format=%H')],
  train: step('fit', 'hello.fit-line', { points: [[0, 1], [1, 3.1], [2, 4.9], [3, 7.2]] }),
  evaluate: { gates: [gate.min('r2', 0.9)] },
});
