import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inferenceServices, loadKubeConfig, type InferenceServices } from '../../src/deploy/index.js';
import { installInferenceServiceCrd } from '../../src/deploy/kserve-crds.js';
import { startKubeApiServer, type KubeApiServer } from '../../src/provision/kube-server.js';
import type { V2Pods } from './v2-pods.js';

/**
 * The KServe controller's part, played by the test: no controller can run here (no kubelet, no Knative), so this
 * watches the InferenceService on the real API server and writes its status subresource as KServe would — one new
 * predictor revision per changed predictor template (a canaryTrafficPercent change alone makes none), the traffic
 * split between the latest and the previously rolled-out revision, each with its tag-routing URL (a V2 "pod" the test
 * serves), observedGeneration and Ready. Ferry reads all of it back through the API server.
 */
export function playController(isvcs: InferenceServices, name: string, pods: V2Pods) {
  const revisions: { name: string; version: string; template: string }[] = [];
  let observed = 0;
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const isvc = (await isvcs.get(name)) as { metadata: { generation: number }; spec: { predictor: Record<string, unknown> & { canaryTrafficPercent?: number; labels: Record<string, string> } } } | undefined;
      if (!isvc || isvc.metadata.generation === observed) return;
      const { canaryTrafficPercent: canary, ...template } = isvc.spec.predictor;
      const previous = revisions.at(-1);
      if (!previous || previous.template !== JSON.stringify(template)) {
        revisions.push({ name: `${name}-predictor-${String(revisions.length + 1).padStart(5, '0')}`, version: template.labels['ferry.dev/version']!, template: JSON.stringify(template) });
      }
      const latest = revisions.at(-1)!;
      const prev = latest === previous ? revisions.at(-2) : previous;
      const traffic = canary !== undefined && prev
        ? [{ revisionName: prev.name, tag: 'prev', percent: 100 - canary, url: pods.url(prev.name) }, { revisionName: latest.name, tag: 'latest', latestRevision: true, percent: canary, url: pods.url(latest.name) }]
        : [{ revisionName: latest.name, tag: 'latest', latestRevision: true, percent: 100, url: pods.url(latest.name) }];
      const now = new Date().toISOString();
      await isvcs.applyStatus(name, {
        observedGeneration: isvc.metadata.generation,
        url: `http://${name}.ml.example.com`,
        conditions: ['PredictorReady', 'Ready'].map((type) => ({ type, status: 'True', lastTransitionTime: now })),
        components: { predictor: { latestCreatedRevision: latest.name, latestReadyRevision: latest.name, ...(prev ? { previousRolledoutRevision: prev.name } : {}), traffic } },
      }, 'kserve-controller-stand-in');
      observed = isvc.metadata.generation;
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick().catch(() => undefined), 100);
  return { revisions, stop: () => clearInterval(timer) };
}

/** A real kube-apiserver (built from source and cached the first time, ~10 minutes) with KServe's CRD installed. */
export async function startKServeApiServer(namespace: string): Promise<{ kube: KubeApiServer; isvcs: InferenceServices }> {
  const kube = await startKubeApiServer({ dir: mkdtempSync(join(tmpdir(), 'ferry-kube-')), onProgress: (line) => console.log(line) });
  const kc = loadKubeConfig({ kubeconfig: kube.kubeconfig });
  await installInferenceServiceCrd(kc);
  return { kube, isvcs: inferenceServices(kc, namespace) };
}
