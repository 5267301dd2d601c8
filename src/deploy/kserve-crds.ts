import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiextensionsV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { FerryError } from '../core/errors.js';
import { findPackageRoot } from '../package-info.js';
import { FIELD_MANAGER } from './kube-client.js';

/** The KServe release whose InferenceService CRD is vendored in `ops/kserve/` (see its README). */
export const KSERVE_VERSION = 'v0.20.0';

/** The vendored CRD's path inside Ferry's package. */
export function inferenceServiceCrdPath(): string {
  const root = findPackageRoot(dirname(fileURLToPath(import.meta.url)), 'ferry')?.root;
  if (!root) throw new FerryError('cannot find Ferry\'s package root, where ops/kserve/ holds the KServe CRD');
  return join(root, 'ops', 'kserve', 'serving.kserve.io_inferenceservices.yaml');
}

/**
 * Installs KServe's InferenceService CRD (server-side apply: it is ~2 MB, over client-side apply's annotation limit)
 * and waits until the API server reports it Established, so InferenceServices can be created at once.
 */
export async function installInferenceServiceCrd(kc: KubeConfig, options: { timeoutMs?: number } = {}): Promise<void> {
  // The wire form as written (`x-kubernetes-…` keys): a patch body is sent as is, not mapped from the client's types.
  const crd = parse(readFileSync(inferenceServiceCrdPath(), 'utf8')) as { metadata: { name: string } };
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const name = crd.metadata.name;
  await api.patchCustomResourceDefinition({ name, body: crd, fieldManager: FIELD_MANAGER, force: true }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply));
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const live = await api.readCustomResourceDefinition({ name });
    if (live.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    if (Date.now() > deadline) throw new FerryError(`CRD ${name} was applied but is not Established after ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
