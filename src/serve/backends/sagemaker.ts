import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { BackendSpec } from '../backend-spec.js';
import { BackendError, type Backend } from './backend.js';
import { inferenceAnswer, inferenceRequestBody } from './v2.js';

type SagemakerSpec = Extract<BackendSpec, { kind: 'sagemaker' }>;

/** Longest one InvokeEndpoint may take before the gateway answers 502 (SageMaker's own limit is 60 s). */
const INVOKE_TIMEOUT_MS = 60_000;

/**
 * A version served by one production variant of a SageMaker endpoint: each prediction is an `InvokeEndpoint` with
 * `TargetVariant` set to the variant the gateway routed to (the gateway does the traffic split itself, so every
 * logged prediction names the version that answered). The body is a V2 inference request and the answer a V2
 * inference response (`application/json`): the container behind the endpoint must speak it, as MLServer-based
 * images do. Credentials come from the AWS SDK's default chain (AWS_* variables, profile, instance role).
 */
export function createSagemakerBackend(spec: SagemakerSpec, client?: SageMakerRuntimeClient): Backend {
  const runtime = client ?? new SageMakerRuntimeClient({ region: spec.region, ...(spec.endpointUrl ? { endpoint: spec.endpointUrl } : {}) });
  const who = `SageMaker endpoint ${spec.endpoint} variant ${spec.variant}`;
  return {
    spec,
    metadata: { platform: 'sagemaker', inputs: [], outputs: [] },
    async predict(records) {
      const body = inferenceRequestBody(records, []);
      let answer;
      try {
        answer = await runtime.send(
          new InvokeEndpointCommand({ EndpointName: spec.endpoint, TargetVariant: spec.variant, ContentType: 'application/json', Accept: 'application/json', Body: new TextEncoder().encode(body) }),
          { abortSignal: AbortSignal.timeout(INVOKE_TIMEOUT_MS) },
        );
      } catch (err) {
        const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
        // ModelError: the container refused these inputs (its 4xx); anything else is SageMaker or the network failing.
        const refused = e.name === 'ModelError' && (e.$metadata?.httpStatusCode ?? 500) < 500;
        throw new BackendError(refused ? 400 : 502, `${who}: InvokeEndpoint failed (${e.name ?? 'Error'}: ${(e.message ?? String(err)).slice(0, 300)})`, { cause: err });
      }
      return inferenceAnswer(new TextDecoder().decode(answer.Body ?? new Uint8Array()), records.length, who);
    },
  };
}
