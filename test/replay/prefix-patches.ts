// `workflows/patches.ts` as it was before the fix for the lagging-local-activity wedge: the approval stage asks for
// `waiting-status` once, where a replay can be a workflow task early. wedge.test.ts bundles the workflows with this
// module in place of the real one to show that the recorded history wedges that code (and so that the test bites).
import { patched } from '@temporalio/workflow';

export { decideCompactHistory, decidePatches, type Patches } from '../../workflows/patches.js';
import type { Patches } from '../../workflows/patches.js';

export function waitingStatusAtApproval(patches: Patches): boolean {
  return patches.waitingStatus || patched('waiting-status');
}
