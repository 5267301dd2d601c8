import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkVerificationKey } from '../../src/auth/deployment-key.js';
import { generateKeyPair } from '../../src/auth/keys.js';
import { registerKey, revokeKeys } from '../../src/auth/signing-keys.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { runFerry } from '../helpers/cli.js';

// #20: one signing identity per deployment, not per worker.
describe('the deployment verification key (FERRY_VERIFY_KEY)', () => {
  let database: TestDatabase;
  const home = mkdtempSync(join(tmpdir(), 'ferry-verify-key-'));
  beforeAll(async () => {
    database = await backends()[0]!.create();
  });
  afterAll(async () => {
    await database?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('ferry worker on a Temporal cluster without one refuses to start with one line naming the variable', async () => {
    const { code, stderr } = await runFerry(['worker'], { cwd: home, env: { TEMPORAL_ADDRESS: '127.0.0.1:1', FERRY_HOME: join(home, '.ferry'), FERRY_VERIFY_KEY: '', DATABASE_URL: '' } });
    expect(code).toBe(2);
    const lines = stderr.trim().split('\n').filter((l) => !/^\(node:|^\s|^$|NodeVersionSupportWarning|Use `node --trace/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/FERRY_VERIFY_KEY is not set: a worker on a shared Temporal cluster \(TEMPORAL_ADDRESS=127\.0\.0\.1:1\)/);
  }, 180_000);

  it('the embedded default needs none; a pinned key is accepted, a revoked one refused, an unknown one warned about', async () => {
    const { db } = database;
    await expect(checkVerificationKey(db, {})).resolves.toEqual({});
    const pair = generateKeyPair();
    const cluster = { TEMPORAL_ADDRESS: 'temporal.internal:7233', FERRY_VERIFY_KEY: pair.keyId };
    expect((await checkVerificationKey(db, cluster)).warning).toMatch(/is not registered in Postgres yet/);
    await registerKey(db, { owner: 'webhook', kind: 'service', publicKey: pair.publicKey, by: 'webhook' });
    await expect(checkVerificationKey(db, cluster)).resolves.toEqual({ keyId: pair.keyId });
    await revokeKeys(db, { owner: 'webhook', kind: 'service', by: 'admin' });
    await expect(checkVerificationKey(db, cluster)).rejects.toThrow(/^FERRY_VERIFY_KEY=ed25519:[0-9a-f]{32}: that key \(service webhook\) was revoked at/);
  });
});
