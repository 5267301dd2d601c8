import { Context } from '@temporalio/activity';
import type { AlertChannel } from '../src/alerts/alert.js';
import type { ArtifactStore } from '../src/artifacts/store.js';
import type { LoadedConfig } from '../src/dsl/load-config.js';
import type { Db } from '../src/db/client.js';
import type { SagemakerEnv } from '../src/deploy/sagemaker-settings.js';
import type { StepUser } from './step-isolation.js';

/** What activities are built from (`createActivities(deps)`): injected so tests can pass their own. */
export interface ActivityDeps {
  db: Db;
  store: ArtifactStore;
  config: LoadedConfig;
  /** Absolute FERRY_HOME: workspaces and step outputs live under it. */
  home: string;
  /** Directory pipeline repo paths are relative to. */
  cwd: string;
  /**
   * A run whose start is not properly signed: `refuse` (the default: it runs no step) or `allow` (audited, then run;
   * only for test workers that start runs without a key).
   */
  unsignedStarts?: 'refuse' | 'allow';
  /** Command steps run as this unprivileged OS user (`FERRY_STEP_USER`; the worker runs as root): see step-isolation.ts. */
  stepUser?: StepUser;
  /** Base URL of the model server the `local` target deploys to. */
  serveUrl?: string;
  /** The `sagemaker` target's variables (`FERRY_SAGEMAKER_*`, `FERRY_ARTIFACTS`, `AWS_*`): its deploys and the Model Package mirror. */
  sagemaker?: SagemakerEnv;
  /** Where alerts go instead of the channels the environment configures (a worker embedding Ferry, tests). */
  alertChannels?: AlertChannel[];
  /** Where approval notices go (the Slack app when configured). */
  notify?: (notice: ApprovalNotice) => Promise<void>;
}

/** What approvers are told: a request, a reminder, an escalation, an expiry. */
export interface ApprovalNotice {
  workflowId: string;
  env: string;
  kind: 'requested' | 'reminder' | 'escalation' | 'expired' | 'decided';
  model: string;
  version?: number;
  to?: string[];
  text: string;
}

/** The running activity's workflow id, or undefined when called outside Temporal (tests, scripts). */
export function currentWorkflowId(): string | undefined {
  try {
    return Context.current().info.workflowExecution?.workflowId;
  } catch {
    return undefined;
  }
}
