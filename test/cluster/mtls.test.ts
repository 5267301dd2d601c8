import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../src/temporal/client.js';
import { temporalConnection, temporalTls } from '../../src/temporal/tls.js';
import { issueCert, makeCa } from '../helpers/certs.js';
import { startTemporalCluster, type TemporalCluster } from '../helpers/cluster.js';
import { startPostgresServer, type PostgresServer } from '../helpers/postgres-server.js';

// #14 build 2: mTLS between Ferry and the Temporal frontend, on a Temporal Server cluster whose frontend requires a
// client certificate (global.tls.frontend.server.requireClientAuth) signed by the deployment's CA.
const NAMESPACE = 'ferry-mtls';
const SERVER_NAME = 'temporal-frontend.ferry.test';
const dir = mkdtempSync(join(tmpdir(), 'ferry-mtls-'));
const ca = makeCa(dir, 'ferry-ca');
const frontend = issueCert(ca, dir, 'frontend', [SERVER_NAME]);
const ferry = issueCert(ca, dir, 'ferry-worker');
const rogueCa = makeCa(dir, 'rogue-ca');
const rogue = issueCert(rogueCa, dir, 'ferry-worker');

/** The TEMPORAL_TLS_* settings of a Ferry process holding `cert` (none: CA only). */
const settings = (cert?: { certFile: string; keyFile: string }) => ({
  TEMPORAL_TLS_CA: ca.certFile,
  TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
  ...(cert ? { TEMPORAL_TLS_CERT: cert.certFile, TEMPORAL_TLS_KEY: cert.keyFile } : {}),
});

/** A connection made the way Ferry makes them, then one call on it: resolves to the system info or rejects. */
async function systemInfo(address: string, source: Record<string, string>): Promise<unknown> {
  const connection = await Connection.connect({ ...temporalConnection(address, source), connectTimeout: 5000 });
  try {
    return await connection.workflowService.getSystemInfo({});
  } finally {
    await connection.close();
  }
}

describe('mTLS between Ferry and the Temporal frontend', () => {
  let pg: PostgresServer;
  let cluster: TemporalCluster;
  beforeAll(async () => {
    pg = await startPostgresServer();
    const started = Date.now();
    cluster = await startTemporalCluster(pg, { tls: { ...frontend, clientCaFile: ca.certFile, serverName: SERVER_NAME } });
    process.stderr.write(`mTLS cluster serving after ${((Date.now() - started) / 1000).toFixed(1)} s on ${cluster.address}\n`);
    const admin = await Connection.connect(temporalConnection(cluster.address, settings(ferry)));
    await admin.workflowService.registerNamespace({ namespace: NAMESPACE, workflowExecutionRetentionPeriod: msToTs('1 day') });
    await admin.close();
  }, 600_000);
  afterAll(async () => {
    await cluster?.stop();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("Ferry's client with the deployment's client certificate starts a workflow and describes it", async () => {
    // The namespace is visible to the frontend shortly after registration.
    const { client, close } = await connectClient(cluster.address, NAMESPACE, settings(ferry));
    try {
      const workflowId = `mtls-${Date.now()}`;
      const start = () => client.workflow.start('pipelineRun', { taskQueue: 'mtls-nobody-polls', workflowId, args: [] });
      let handle = await start().catch(() => undefined);
      for (let i = 0; !handle && i < 30; i++) handle = await new Promise((r) => setTimeout(r, 1000)).then(start).catch(() => undefined);
      if (!handle) handle = await start(); // the last attempt's error is the test's
      const described = await handle.describe();
      expect(described.workflowId).toBe(workflowId);
      expect(described.type).toBe('pipelineRun');
      expect(described.status.name).toBe('RUNNING');
      await handle.terminate('mTLS test done');
    } finally {
      await close();
    }
  }, 120_000);

  it("a worker's native connection with the client certificate is served", async () => {
    const connection = await NativeConnection.connect(temporalConnection(cluster.address, settings(ferry)));
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toBe('1.29.1');
    } finally {
      await connection.close();
    }
  });

  it('a client without a certificate is refused, over TLS and in plaintext', async () => {
    // The handshake fails, so the client never gets a channel: grpc's "Failed to connect before the deadline".
    await expect(systemInfo(cluster.address, settings())).rejects.toThrow(/Failed to connect before the deadline/);
    await expect(systemInfo(cluster.address, {})).rejects.toThrow(/Failed to connect before the deadline/);
    // The control: the same call with the deployment's certificate is served at once.
    await expect(systemInfo(cluster.address, settings(ferry))).resolves.toMatchObject({ serverVersion: '1.29.1' });
  });

  it('a client with a certificate from another CA is refused', async () => {
    await expect(systemInfo(cluster.address, settings(rogue))).rejects.toThrow(/Failed to connect before the deadline/);
    // The control: the same call with the deployment's certificate is served.
    await expect(systemInfo(cluster.address, settings(ferry))).resolves.toMatchObject({ serverVersion: '1.29.1' });
  });

  it('a certificate without its key, or an unreadable file, is a usage error naming the variable', () => {
    expect(() => temporalTls({ TEMPORAL_TLS_CERT: ferry.certFile })).toThrow(/^TEMPORAL_TLS_KEY is not set: a client certificate needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY/);
    expect(() => temporalTls({ TEMPORAL_TLS_CA: join(dir, 'missing.pem') })).toThrow(/^TEMPORAL_TLS_CA=.*missing\.pem: cannot read it \(ENOENT\)/);
    expect(temporalTls({})).toBeUndefined();
  });
});
