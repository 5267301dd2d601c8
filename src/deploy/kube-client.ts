import { ApiException, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { FerryError } from '../core/errors.js';
import { envValue } from '../settings.js';

/** How to reach the API server: a kubeconfig's text, a kubeconfig file, or the default (KUBECONFIG, ~/.kube/config, in-cluster). */
export interface KubeConnection {
  /** A kubeconfig as YAML (wins over everything). */
  kubeconfig?: string;
  /** A kubeconfig file (default `FERRY_KUBECONFIG`). */
  kubeconfigPath?: string;
  /** A context of that kubeconfig (default `FERRY_KUBE_CONTEXT`, else its current context). */
  context?: string;
}

export function loadKubeConfig(connection: KubeConnection = {}): KubeConfig {
  const kc = new KubeConfig();
  const path = connection.kubeconfigPath ?? envValue('FERRY_KUBECONFIG');
  if (connection.kubeconfig) kc.loadFromString(connection.kubeconfig);
  else if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  const context = connection.context ?? envValue('FERRY_KUBE_CONTEXT');
  if (context) kc.setCurrentContext(context);
  if (!kc.getCurrentCluster()) throw new FerryError('kubernetes deployment target: no cluster in the kubeconfig; set FERRY_KUBECONFIG (or KUBECONFIG) to a kubeconfig file, or FERRY_KUBE_CONTEXT to one of its contexts');
  return kc;
}

/** KServe's InferenceService resource (serving.kserve.io/v1beta1). */
export const INFERENCE_SERVICE = { group: 'serving.kserve.io', version: 'v1beta1', plural: 'inferenceservices' } as const;
/** The field manager Ferry applies as: server-side apply then owns exactly the fields Ferry writes. */
export const FIELD_MANAGER = 'ferry';

/** One namespace's InferenceServices through the API server (HTTPS, the kubeconfig's credentials). */
export interface InferenceServices {
  /** Server-side apply with strict field validation: an unknown or mistyped field is a 422, not silently dropped. */
  apply(manifest: Record<string, unknown> & { metadata: { name: string } }): Promise<unknown>;
  /** The object, or undefined when there is none. */
  get(name: string): Promise<unknown>;
  /** Server-side apply of `status` on the status subresource, as a controller writes it (`fieldManager` its name). */
  applyStatus(name: string, status: Record<string, unknown>, fieldManager: string): Promise<unknown>;
}

const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

/** An API error as a FerryError: 5xx, 429 and no connection are retryable (Temporal's retry policy bounds them). */
function asFerryError(err: unknown, what: string): FerryError {
  if (err instanceof ApiException) {
    const body = typeof err.body === 'string' ? err.body : JSON.stringify(err.body);
    const message = /"message":\s*"((?:[^"\\]|\\.)*)"/.exec(body)?.[1] ?? body.slice(0, 300);
    // Server-side apply answers a manifest its schema does not declare with a 500 ("failed to create typed patch
    // object"): a wrong manifest, which no retry fixes.
    const invalid = /failed to create typed patch object|field not declared in schema/.test(message);
    return new FerryError(`kubernetes deployment target: ${what}: the API server answered ${err.code}: ${message}`, { cause: err, details: { retryable: !invalid && (err.code >= 500 || err.code === 429), status: err.code } });
  }
  return new FerryError(`kubernetes deployment target: ${what}: cannot reach the API server (${(err as Error).message}); check FERRY_KUBECONFIG / KUBECONFIG`, { cause: err, details: { retryable: true } });
}

export function inferenceServices(kc: KubeConfig, namespace: string): InferenceServices {
  const api = kc.makeApiClient(CustomObjectsApi);
  const at = { ...INFERENCE_SERVICE, namespace };
  return {
    async apply(manifest) {
      const name = manifest.metadata.name;
      try {
        return await api.patchNamespacedCustomObject({ ...at, name, body: manifest, fieldManager: FIELD_MANAGER, fieldValidation: 'Strict', force: true }, apply);
      } catch (err) {
        throw asFerryError(err, `apply InferenceService ${namespace}/${name}`);
      }
    },
    async get(name) {
      try {
        return await api.getNamespacedCustomObject({ ...at, name });
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return undefined;
        throw asFerryError(err, `get InferenceService ${namespace}/${name}`);
      }
    },
    async applyStatus(name, status, fieldManager) {
      const body = { apiVersion: `${INFERENCE_SERVICE.group}/${INFERENCE_SERVICE.version}`, kind: 'InferenceService', metadata: { name, namespace }, status };
      try {
        return await api.patchNamespacedCustomObjectStatus({ ...at, name, body, fieldManager, fieldValidation: 'Strict', force: true }, apply);
      } catch (err) {
        throw asFerryError(err, `apply the status of InferenceService ${namespace}/${name}`);
      }
    },
  };
}
