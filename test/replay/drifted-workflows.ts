// A deliberately incompatible `pipelineRun`: it starts a timer where the recorded histories scheduled an activity.
// The replay test runs a history against it to show the check catches nondeterminism (and is not vacuous).
import { sleep } from '@temporalio/workflow';

export async function pipelineRun(): Promise<void> {
  await sleep('1s');
}
