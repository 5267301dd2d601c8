import { randomUUID } from 'node:crypto';

export interface TrafficResult {
  sent: number;
  failed: number;
  requestIds: string[];
}

/** Sends records to the model server in batches, one request id per record; returns what was sent. */
export async function sendPredictions(serveUrl: string, model: string, env: string, records: Record<string, unknown>[], batch = 10): Promise<TrafficResult> {
  const requestIds: string[] = [];
  let failed = 0;
  for (let i = 0; i < records.length; i += batch) {
    const inputs = records.slice(i, i + batch);
    const ids = inputs.map(() => randomUUID());
    const response = await fetch(`${serveUrl}/v1/models/${model}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs, env, requestIds: ids }),
    });
    if (response.ok) requestIds.push(...ids);
    else failed += inputs.length;
    await response.arrayBuffer();
  }
  return { sent: requestIds.length, failed, requestIds };
}

/** Posts ground truth for earlier predictions (labels arriving late, as they do in production), as the user of `token`. */
export async function sendLabels(serveUrl: string, requestIds: string[], labels: unknown[], token?: string): Promise<void> {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const feedback = requestIds.map((requestId, i) => ({ requestId, label: labels[i] }));
  for (let i = 0; i < feedback.length; i += 200) {
    const response = await fetch(`${serveUrl}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ feedback: feedback.slice(i, i + 200) }) });
    if (!response.ok) throw new Error(`POST /v1/feedback answered ${response.status}: ${await response.text()}`);
  }
}

/** Keeps a trickle of requests flowing (e.g. through a canary's bake) until stopped. */
export function steadyTraffic(send: () => Promise<unknown>, everyMs = 400): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      await send().catch(() => undefined);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}
