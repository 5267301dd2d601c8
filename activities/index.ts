import { createApprovalActivities } from './approvals.js';
import { createAuditActivities } from './audit.js';
import { createDeployActivities } from './deploy.js';
import type { ActivityDeps } from './deps.js';
import { createGateActivities } from './gates.js';
import { createIncidentActivities } from './incidents.js';
import { createIntegrateActivities } from './integrate.js';
import { createLineageActivities } from './lineage.js';
import { createMonitorActivities } from './monitor.js';
import { createPolicyActivities } from './policies.js';
import { createReconcileActivities } from './reconcile.js';
import { createRegistryActivities } from './registry.js';
import { createRiskActivities } from './risk.js';
import { createRunActivities } from './runs.js';
import { createStartCheckActivities } from './start-check.js';
import { createStepActivities } from './steps.js';

export type { ActivityDeps } from './deps.js';

/** Every activity a Ferry worker registers, built from injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createRunActivities(deps),
    ...createIntegrateActivities(deps),
    ...createStepActivities(deps),
    ...createGateActivities(deps),
    ...createRegistryActivities(deps),
    ...createLineageActivities(deps),
    ...createAuditActivities(deps),
    ...createApprovalActivities(deps),
    ...createDeployActivities(deps),
    ...createIncidentActivities(deps),
    ...createMonitorActivities(deps),
    ...createPolicyActivities(deps),
    ...createReconcileActivities(deps),
    ...createRiskActivities(deps),
    ...createStartCheckActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
