// Bundles workflows/ the way a worker does: a Node import or a non-deterministic module in workflow code fails here,
// before any worker starts.
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../src/temporal/worker.js';

const quiet = { info() {}, debug() {}, trace() {}, log() {}, warn: console.warn, error: console.error };
const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet as never });
console.log(`workflow bundle ok: ${(code.length / 1024).toFixed(0)} KiB from ${workflowsPath}`);
