import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { settingDeclarations } from '../../src/settings.js';
import { topology } from './services.js';

const service = z.object({
  image: z.string().optional(),
  build: z.unknown().optional(),
  command: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string()).optional(),
});
const file = z.object({ services: z.record(z.string(), service) }).parse(parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }));
/** Compose services that are tooling around the topology, not part of it: a UI, metrics, a one-shot bucket set-up. */
const TOOLING = ['temporal-ui', 'prometheus', 'grafana', 'minio-bucket'];

// The cluster test (test/cluster/topology.test.ts) and docker-compose.yml describe one topology: the same servers, the
// same Ferry processes, the same worker pools. A service added to one and not the other fails here.
describe('docker-compose.yml and the cluster test', () => {
  it('run the same services', () => {
    const inTest = [topology.postgres, topology.temporal, topology.s3, topology.modelServer, topology.webhook, ...topology.workers.map((w) => w.name)].sort();
    expect(Object.keys(file.services).filter((name) => !TOOLING.includes(name)).sort()).toEqual(inTest);
  });

  it('run each worker on the same task queue, on the same servers and the S3 artifact store', () => {
    for (const worker of topology.workers) {
      const s = file.services[worker.name]!;
      expect(s.build, worker.name).toBe('.');
      const args = s.command ?? [];
      expect(args[0], worker.name).toBe('worker');
      expect(args.includes('--task-queue') ? args[args.indexOf('--task-queue') + 1] : 'ferry', worker.name).toBe(worker.taskQueue);
      expect(s.environment, worker.name).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', DATABASE_URL: expect.stringMatching(/@postgres:5432\//), FERRY_ARTIFACTS: expect.stringMatching(/^s3:\/\//) });
    }
    expect(file.services[topology.modelServer]?.environment?.FERRY_ARTIFACTS).toMatch(/^s3:\/\//);
    expect(file.services[topology.webhook]?.command?.[0]).toBe('webhook');
  });

  it("hand Ferry's processes only variables Ferry reads, and every worker the deployment's verification key", () => {
    // A renamed or dropped setting left in the compose file does nothing, silently (FERRY_SIGNING_KEY once did).
    const declared = new Set<string>(settingDeclarations.map((d) => d.name));
    const foreign = /^(AWS_|OTEL_|NODE_)/;
    const ferryServices = Object.entries(file.services).filter(([, s]) => s.build === '.');
    expect(ferryServices.length).toBeGreaterThan(0);
    for (const [name, s] of ferryServices) {
      for (const key of Object.keys(s.environment ?? {})) if (!foreign.test(key)) expect(declared.has(key), `${name}: ${key} is not a Ferry setting (src/settings.ts)`).toBe(true);
    }
    for (const worker of topology.workers) expect(Object.keys(file.services[worker.name]?.environment ?? {}), worker.name).toContain('FERRY_VERIFY_KEY');
  });
});
