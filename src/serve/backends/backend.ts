import type { BackendSpec } from '../backend-spec.js';

/** V2 metadata of one tensor (`/v2/models/{name}`). */
export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

/** One loaded version behind the gateway: input records in, one output per record out. */
export interface Backend {
  readonly spec: BackendSpec;
  predict(records: Record<string, unknown>[]): Promise<unknown[]>;
  /** What the backend says it takes and returns, when it says (a V2 server's model metadata). */
  readonly metadata: { platform: string; inputs: TensorMetadata[]; outputs: TensorMetadata[] };
}

/**
 * A backend refused or failed a prediction. `status` is what the gateway answers: 400 when the backend refused the
 * input (wrong fields or types), 502 when it failed or could not be reached.
 */
export class BackendError extends Error {
  override name = 'BackendError';

  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
