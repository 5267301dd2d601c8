import { z } from 'zod';

/** What a run's start signs (src/runs/start-attestation.ts signs and verifies it; workflows carry it). */
export const runStartClaimSchema = z.strictObject({
  kind: z.literal('run-start'),
  /** The run's workflow id; absent for a schedule, whose runs are `<scheduleId>-<time>`. */
  workflowId: z.string().min(1).optional(),
  scheduleId: z.string().min(1).optional(),
  specHash: z.string().regex(/^[0-9a-f]{64}$/),
  trigger: z.string().min(1),
  triggeredBy: z.string().min(1).optional(),
  ref: z.string().min(1).optional(),
  taskQueue: z.string().min(1),
  /** What the submission policies said where the run was submitted (they are checked again by the worker). */
  policy: z.literal('passed'),
  at: z.iso.datetime({ offset: true }),
  keyId: z.string().min(1),
});
export type RunStartClaim = z.infer<typeof runStartClaimSchema>;
export interface RunStartAttestation {
  claim: RunStartClaim;
  signature: string;
}

