/** The lifecycle's stages, in order. */
export const STAGES = ['integrate', 'build', 'train', 'evaluate', 'register', 'approve', 'deploy', 'monitor'] as const;
export type Stage = (typeof STAGES)[number];

export type RunState = 'running' | 'waiting' | 'succeeded' | 'failed' | 'rejected' | 'cancelled';
export type StageState = 'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped';

export interface StageStatus {
  /** A stage name, or `approve:<env>` / `deploy:<env>` for per-environment stages. */
  name: string;
  state: StageState;
  startedAt?: number;
  finishedAt?: number;
  detail?: string;
}

/** What the `status` query returns; the CLI prints it. */
export interface RunStatus {
  workflowId: string;
  pipeline: string;
  model: string;
  state: RunState;
  stage: string;
  stages: StageStatus[];
  commit?: string;
  metrics?: Record<string, number>;
  modelVersion?: number;
  error?: string;
  /** Approvals the run waits for now. */
  approvals?: PendingApprovalStatus[];
}

export interface PendingApprovalStatus {
  env: string;
  required: number;
  groups: string[];
  requestedAt: number;
  expiresAt: number;
  decisions: { approver: string; decision: string; at: string }[];
}
