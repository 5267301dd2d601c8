// Everything a worker registers as workflow code. Deterministic only: activities are imported as types.
export { pipelineRun } from './pipeline.js';
