import { z } from 'zod';

/**
 * How Ferry's gateway reaches one routed version. Deployment targets write it beside the routes in `serving_routes`;
 * a version with none is served by its in-process JavaScript predictor from ferry.config.ts.
 * - `js`: the predictor registered with `definePredictor(model, load)`.
 * - `v2`: any Open Inference Protocol (V2) endpoint — MLServer (Ferry's `mlserver` target), KServe, Triton —
 *   at `url`, serving `name` (and `version`, when the server keeps several).
 * - `sagemaker`: a production variant of a SageMaker endpoint, called with InvokeEndpoint.
 */
export const backendSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('js') }),
  z.strictObject({
    kind: z.literal('v2'),
    /** Base URL of the V2 server (e.g. `http://127.0.0.1:8090`). */
    url: z.url({ protocol: /^https?$/ }),
    /** The model's name on that server. */
    name: z.string().min(1),
    version: z.string().min(1).optional(),
    /** Which server it is, for metadata and messages (e.g. `mlserver`). */
    server: z.string().min(1).optional(),
  }),
  z.strictObject({
    kind: z.literal('sagemaker'),
    /** The SageMaker endpoint and the production variant of this version (the gateway routes, InvokeEndpoint's TargetVariant). */
    endpoint: z.string().min(1),
    variant: z.string().min(1),
    region: z.string().min(1),
    /** SageMaker's URL when it is not AWS's (FERRY_SAGEMAKER_ENDPOINT_URL: moto in the tests). */
    endpointUrl: z.url({ protocol: /^https?$/ }).optional(),
  }),
]);
export type BackendSpec = z.infer<typeof backendSpecSchema>;

/** Backends by version number, as stored in `serving_routes.backends`. */
export const backendsSchema = z.record(z.string().regex(/^[1-9][0-9]*$/, 'expected a version number'), backendSpecSchema);
export type Backends = z.infer<typeof backendsSchema>;

/** The backend of `version` in a stored map (the JS predictor when none is named). */
export function backendOf(backends: Backends | undefined, version: number): BackendSpec {
  return backends?.[String(version)] ?? { kind: 'js' };
}
