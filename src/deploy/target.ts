import { z } from 'zod';
import { FerryError } from '../core/errors.js';
import { describeRoutes, routesSchema, sameRoutes, type Route } from '../core/routes.js';

/** What a deploy asks for: a model's traffic in an environment, split over versions (`version` is the one being rolled out). */
export const deployRequestSchema = z.strictObject({
  model: z.string().min(1),
  version: z.number().int().positive(),
  env: z.string().min(1),
  routes: routesSchema,
});
export type DeployRequest = z.infer<typeof deployRequestSchema>;

/** What a target reports it is serving right now. */
export const liveStateSchema = z.object({
  generation: z.number().int().min(0),
  routes: z.array(z.object({ version: z.number().int(), percent: z.number() })),
});
export type LiveState = z.infer<typeof liveStateSchema>;

/** Where models are served: Ferry's model server (JS predictors, or MLServer behind it), Kubernetes (KServe), or a platform behind a webhook. */
export interface DeploymentTarget {
  readonly name: 'local' | 'kubernetes' | 'webhook' | 'mlserver' | 'sagemaker';
  /** Makes the target serve `req.routes`; applying the same routes twice changes nothing. */
  deploy(req: DeployRequest): Promise<{ generation: number }>;
  /** Reads what the target is actually serving (not what was last written). */
  readBack(req: Pick<DeployRequest, 'model' | 'env'>): Promise<LiveState>;
}

/**
 * The live state differs from what was deployed (not yet picked up, or silently reverted). Retryable: the activity
 * re-applies and reads back again; `nonRetryable` stays false so Temporal's retry policy drives it.
 */
export class DeploymentMismatchError extends FerryError {
  override name = 'DeploymentMismatchError';
  readonly retryable = true;

  constructor(
    readonly target: string,
    readonly expected: { generation: number; routes: Route[] },
    readonly live: LiveState,
    model: string,
    env: string,
  ) {
    super(
      `${target} target: ${model}/${env} serves ${describeRoutes(live.routes) || 'nothing'} (generation ${live.generation}), ` +
        `expected ${describeRoutes(expected.routes)} (generation ≥ ${expected.generation}); the deploy will be re-applied`,
      { details: { target, model, env, expected, live } },
    );
  }
}

/** Polling of a read-back until the target has picked the change up: `attempts` reads, `intervalMs` apart. */
export interface VerifyOptions {
  attempts?: number;
  intervalMs?: number;
}

/**
 * Deploys, then reads the live state back until it matches (defaults: 10 reads 200 ms apart). A target that serves other
 * routes or an older generation throws a `DeploymentMismatchError` (retryable).
 */
export async function verifyDeployment(target: DeploymentTarget, req: DeployRequest, options: VerifyOptions = {}): Promise<LiveState> {
  const { generation } = await target.deploy(req);
  return verifyLiveState(target, req, generation, options);
}

/** Reads the live state back until it serves `req.routes` at `generation` or newer; throws `DeploymentMismatchError` if it never does. */
export async function verifyLiveState(target: DeploymentTarget, req: DeployRequest, generation: number, options: VerifyOptions = {}): Promise<LiveState> {
  const attempts = options.attempts ?? 10;
  const intervalMs = options.intervalMs ?? 200;
  let live: LiveState = { generation: 0, routes: [] };
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, intervalMs));
    live = await target.readBack(req);
    if (live.generation >= generation && sameRoutes(live.routes, req.routes)) return live;
  }
  throw new DeploymentMismatchError(target.name, { generation, routes: req.routes }, live, req.model, req.env);
}
