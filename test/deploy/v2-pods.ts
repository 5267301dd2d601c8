import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What a serving platform's model pods would be, where none can run (no kubelet, no SageMaker): one loopback HTTP
 * server speaking the Open Inference Protocol (V2) under `/<pod>/`, each pod a model version that predicts
 * `2·x` or, when `failing(pod)` says so, answers 500 to every inference (a broken build). Ferry's gateway reaches them
 * exactly as it reaches KServe's predictor URLs or MLServer.
 */
export interface V2Pods {
  /** `http://127.0.0.1:<port>/<pod>`: a V2 server's base URL. */
  url(pod: string): string;
  /** Inference calls per pod. */
  calls: Map<string, number>;
  close(): Promise<void>;
}

export async function startV2Pods(failing: (pod: string) => boolean): Promise<V2Pods> {
  const calls = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const match = /^\/([^/]+)\/v2\/models\/([^/]+)(\/ready|\/infer)?$/.exec(req.url ?? '');
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (!match) return send(404, { error: `no route ${req.url}` });
    const [, pod, name, action] = match as unknown as [string, string, string, string | undefined];
    if (action === '/ready') return send(200, {});
    if (!action) return send(200, { name, platform: 'test-pod', inputs: [{ name: 'x', datatype: 'FP64', shape: [-1] }], outputs: [{ name: 'predict', datatype: 'FP64', shape: [-1] }] });
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      calls.set(pod, (calls.get(pod) ?? 0) + 1);
      if (failing(pod)) return send(500, { error: `pod ${pod}: model failed to predict (shape mismatch)` });
      const body = JSON.parse(text) as { inputs: { name: string; data: number[] }[] };
      const x = body.inputs.find((t) => t.name === 'x')?.data ?? [];
      send(200, { model_name: name, outputs: [{ name: 'predict', datatype: 'FP64', shape: [x.length], data: x.map((v) => 2 * v) }] });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: (pod) => `http://127.0.0.1:${port}/${pod}`,
    calls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** `n` predictions of churn in production through Ferry's gateway, one after another; their HTTP statuses. */
export async function predictThrough(gatewayUrl: string, n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${gatewayUrl}/v1/models/churn/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ env: 'production', inputs: [{ x: i }] }) });
    statuses.push(res.status);
  }
  return statuses;
}

/** Predictions through the gateway (one every 20 ms) while `during` runs; their HTTP statuses. */
export async function withTraffic<T>(gatewayUrl: string, during: () => Promise<T>): Promise<{ result: T; statuses: number[] }> {
  const statuses: number[] = [];
  let flowing = true;
  const traffic = (async () => {
    while (flowing) {
      statuses.push(...(await predictThrough(gatewayUrl, 1)));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    return { result: await during(), statuses };
  } finally {
    flowing = false;
    await traffic;
  }
}
