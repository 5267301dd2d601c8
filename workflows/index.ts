// Everything a worker registers as workflow code. Deterministic only: activities are imported as types.
export { monitor } from './monitor.js';
export { pipelineRun } from './pipeline.js';
export { promotion } from './promotion.js';
export { auditAnchor } from './audit-anchor.js';
export { reconcile } from './reconcile.js';
