import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';

// No Docker engine runs on these machines: the stack is checked by parsing it and holding it to what Ferry needs.
const service = z.object({
  image: z.string().optional(),
  build: z.unknown().optional(),
  environment: z.record(z.string(), z.string()).optional(),
  ports: z.array(z.string()).optional(),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
  healthcheck: z.object({ test: z.array(z.string()) }).optional(),
  volumes: z.array(z.string()).optional(),
});
const compose = z.object({ services: z.record(z.string(), service), volumes: z.record(z.string(), z.unknown()) });
const file = compose.parse(parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }));

describe('docker-compose.yml', () => {
  it('pins every image to an exact tag (no latest)', () => {
    for (const [name, s] of Object.entries(file.services)) {
      if (s.build) continue;
      // A version number, or MinIO's dated release tags (RELEASE.2025-04-22T22-12-26Z): never latest.
      expect(s.image, name).toMatch(/^[\w./-]+:(v?\d+(\.\d+)+|RELEASE\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z)$/);
    }
  });

  it('runs Temporal on the stack\'s PostgreSQL, with the UI pointed at it', () => {
    expect(file.services.temporal?.image).toMatch(/^temporalio\/auto-setup:1\.29\./);
    expect(file.services.temporal?.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres' });
    expect(file.services.temporal?.ports).toContain('7233:7233');
    expect(file.services['temporal-ui']?.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('builds a Ferry worker from the repo, configured through the documented environment', () => {
    const worker = file.services.worker!;
    expect(worker.build).toBe('.');
    expect(worker.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', DATABASE_URL: expect.stringMatching(/^postgres:\/\/.+@postgres:5432\//) });
    expect(worker.depends_on).toMatchObject({ temporal: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' } });
  });

  it('health-checks the stateful services and keeps their data in volumes', () => {
    for (const name of ['postgres', 'temporal', 'minio', 'worker', 'worker-2', 'worker-gpu', 'serve', 'webhook']) expect(file.services[name]?.healthcheck, name).toBeDefined();
    // The slim image has no pgrep, curl or wget: Ferry's own health checks run node.
    for (const name of ['worker', 'worker-2', 'worker-gpu', 'serve', 'webhook']) expect(file.services[name]?.healthcheck?.test.slice(0, 2), name).toEqual(['CMD', 'node']);
    expect(Object.keys(file.volumes)).toEqual(expect.arrayContaining(['postgres-data', 'ferry-data', 'minio-data']));
    expect(file.services.postgres?.volumes?.some((v) => v.startsWith('postgres-data:'))).toBe(true);
  });
});
