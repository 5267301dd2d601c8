import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/alerts/signature.js';
import { createWebhookTarget, DeploymentMismatchError, verifyDeployment } from '../../src/deploy/index.js';

/** A deploy platform on loopback: checks Ferry's signature, keeps routes per model/env, and can be told to ignore deploys. */
function startPlatform(secret: string) {
  const state = new Map<string, { generation: number; routes: unknown[] }>();
  const received: { body: Record<string, unknown>; signature: string | undefined }[] = [];
  const platform = { ignoreDeploys: false, badSignatures: 0 };
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const signature = req.headers['x-ferry-signature'] as string | undefined;
      if (!verifySignature(text, secret, signature)) {
        platform.badSignatures += 1;
        res.writeHead(401).end('{"error":"bad signature"}');
        return;
      }
      if (req.method === 'POST') {
        const body = JSON.parse(text) as { model: string; env: string; routes: unknown[] };
        received.push({ body, signature });
        const key = `${body.model}/${body.env}`;
        const current = state.get(key) ?? { generation: 0, routes: [] };
        // Accepts but does nothing: the "silently reverted" platform.
        if (!platform.ignoreDeploys && JSON.stringify(current.routes) !== JSON.stringify(body.routes)) state.set(key, { generation: current.generation + 1, routes: body.routes });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ generation: platform.ignoreDeploys ? current.generation + 1 : state.get(key)!.generation }));
        return;
      }
      const [, , model, env] = (req.url ?? '').split('/');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state.get(`${model}/${env}`) ?? { generation: 0, routes: [] }));
    });
  });
  return { server, state, received, platform };
}

describe('the webhook deployment target', () => {
  const secret = 'shh-test-secret';
  const platform = startPlatform(secret);
  let url: string;

  beforeAll(async () => {
    await new Promise<void>((r) => platform.server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(platform.server.address() as AddressInfo).port}/deploy`;
  });
  afterAll(() => new Promise<void>((r) => platform.server.close(() => r())));

  it('POSTs a signed deploy request and verifies it by reading the live state back', async () => {
    const target = createWebhookTarget({ url, secret });
    const live = await verifyDeployment(target, { model: 'toy', env: 'production', version: 2, routes: [{ version: 1, percent: 80 }, { version: 2, percent: 20 }] }, { attempts: 1 });
    expect(live).toEqual({ generation: 1, routes: [{ version: 1, percent: 80 }, { version: 2, percent: 20 }] });
    const { body, signature } = platform.received[0]!;
    expect(body).toMatchObject({ kind: 'ferry.deploy', model: 'toy', env: 'production', version: 2 });
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(platform.platform.badSignatures).toBe(0);
  });

  it('carries each routed version\u2019s artifact URI and sha256 in the signed body', async () => {
    const artifact = async (model: string, version: number) => ({ uri: `s3://models/${model}/${version}`, sha256: String(version).repeat(64) });
    const target = createWebhookTarget({ url, secret, artifact });
    await target.deploy({ model: 'art', env: 'production', version: 2, routes: [{ version: 1, percent: 90 }, { version: 2, percent: 10 }] });
    const { body } = platform.received.find((r) => r.body.model === 'art')!;
    expect(body).toMatchObject({
      model: 'art',
      version: 2,
      artifact: { uri: 's3://models/art/2', sha256: '2'.repeat(64) },
      artifacts: { 1: { uri: 's3://models/art/1', sha256: '1'.repeat(64) }, 2: { uri: 's3://models/art/2', sha256: '2'.repeat(64) } },
    });
    expect(platform.platform.badSignatures).toBe(0);
  });

  it('sends the same id for the same deploy, so the receiver can drop a retry', async () => {
    const target = createWebhookTarget({ url, secret });
    const req = { model: 'toy', env: 'staging', version: 3, routes: [{ version: 3, percent: 100 }] };
    await verifyDeployment(target, req, { attempts: 1 });
    await verifyDeployment(target, req, { attempts: 1 });
    const ids = platform.received.filter((r) => r.body.env === 'staging').map((r) => r.body.id);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
    expect(platform.state.get('toy/staging')!.generation).toBe(1);
  });

  it('catches a platform that acknowledges a deploy but keeps serving the old routes', async () => {
    platform.platform.ignoreDeploys = true;
    try {
      const target = createWebhookTarget({ url, secret });
      const err = await verifyDeployment(target, { model: 'toy', env: 'production', version: 2, routes: [{ version: 2, percent: 100 }] }, { attempts: 2, intervalMs: 10 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeploymentMismatchError);
      expect((err as Error).message).toContain('serves v1:80 v2:20 (generation 1), expected v2:100 (generation ≥ 2)');
    } finally {
      platform.platform.ignoreDeploys = false;
    }
  });

  it('is refused by a receiver holding another secret, with the status in the error', async () => {
    const target = createWebhookTarget({ url, secret: 'wrong' });
    await expect(target.deploy({ model: 'toy', env: 'production', version: 2, routes: [{ version: 2, percent: 100 }] })).rejects.toThrow(/answered 401/);
  });
});
