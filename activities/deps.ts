import type { ArtifactStore } from '../src/artifacts/store.js';
import type { LoadedConfig } from '../src/config.js';
import type { Db } from '../src/db/client.js';

/** What activities are built from (`createActivities(deps)`): injected so tests can pass their own. */
export interface ActivityDeps {
  db: Db;
  store: ArtifactStore;
  config: LoadedConfig;
  /** Absolute FERRY_HOME: workspaces and step outputs live under it. */
  home: string;
  /** Directory pipeline repo paths are relative to. */
  cwd: string;
  /** Base URL of the model server the `local` target deploys to. */
  serveUrl?: string;
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
