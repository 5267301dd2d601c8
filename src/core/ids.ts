/**
 * Workflow ids Ferry derives from natural keys. A derived id is also a lock: Temporal refuses a second open workflow with
 * the same id, so two promotions of one environment, or two runs of one push delivery, cannot run at once.
 */

/** One monitor per model and environment; it follows whichever version the environment's alias points at. */
export function monitorWorkflowId(model: string, env: string): string {
  return `monitor-${model}-${env}`;
}

/** One reconcile loop per environment: it compares every model's live serving there with what Ferry deployed. */
export function reconcileWorkflowId(env: string): string {
  return `reconcile-${env}`;
}

/** The breach (monitor incident) a retrain was started by, as a `parentRuns` entry: lineage records it as an incident. */
export function breachLineageId(incidentId: number): string {
  return `incident:${incidentId}`;
}

/** A `parentRuns` entry's lineage node: `incident:<id>` is the breach that caused a retrain, anything else a run. */
export function parentNode(entry: string): { kind: 'run' | 'incident'; id: string } {
  return entry.startsWith('incident:') ? { kind: 'incident', id: entry.slice('incident:'.length) } : { kind: 'run', id: entry };
}

/** One promotion per model and environment at a time: the workflow id makes concurrent ones impossible. */
export function promotionWorkflowId(model: string, env: string): string {
  return `promote-${model}-${env}`;
}

/** The workflow id of a push run: deterministic per delivery, so a redelivered hook cannot start a second run. */
export function pushWorkflowId(pipeline: string, delivery: string): string {
  return `${pipeline}-push-${delivery}`;
}

/** The workflow id of a run an MLflow registry webhook started: deterministic per delivery, like a push run's. */
export function mlflowWorkflowId(pipeline: string, delivery: string): string {
  return `${pipeline}-mlflow-${delivery}`;
}

/** A readable, unique run id: `<pipeline>-<UTC timestamp to the second>-<random suffix>`. */
export function runWorkflowId(pipeline: string, now: Date, suffix: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${pipeline}-${stamp}-${suffix}`;
}

/** Which run of a monitor: its workflow id and the first run id of its life (kept across continue-as-new). */
export interface MonitorLife {
  workflowId: string;
  firstExecutionRunId: string;
}

/**
 * The idempotency key of an incident a monitor opens at one check: `<workflowId>:<firstRunId>:<kind>:<check>`. Stable
 * across retries and replays, unique to the monitor's life, so a monitor started again (same workflow id, checks
 * counted from 1 again) opens its own incidents. Keys stored before, `<workflowId>:<kind>:<check>`, are only looked
 * up, never rebuilt, so they stay valid.
 */
export function monitorIncidentKey(monitor: MonitorLife, kind: 'incident' | 'escalation', check: number): string {
  return `${monitor.workflowId}:${monitor.firstExecutionRunId}:${kind}:${check}`;
}
