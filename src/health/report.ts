import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { onHealthChange, serviceStates } from './state.js';

/** What a long-running process says about its outside services, in `FERRY_HOME/health/<pid>.json`. */
const healthFileSchema = z.object({
  pid: z.number().int(),
  role: z.string(),
  updatedAt: z.string(),
  services: z.array(
    z.object({
      service: z.string(),
      up: z.boolean(),
      kind: z.enum(['unreachable', 'failing']).optional(),
      reason: z.string().optional(),
      since: z.string(),
      failures: z.number().int(),
    }),
  ),
});
export type HealthFile = z.infer<typeof healthFileSchema>;

const healthDir = (home: string) => join(resolve(home), 'health');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Keeps this process's health file current (rewritten on every change) so `ferry status` in another terminal can show
 * what is degraded. Returns the function that withdraws it.
 */
export function publishServiceHealth(home: string, role: string): () => void {
  const dir = healthDir(home);
  const file = join(dir, `${process.pid}.json`);
  const write = () => {
    const content: HealthFile = { pid: process.pid, role, updatedAt: new Date().toISOString(), services: serviceStates() };
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
    } catch {
      // A read-only or vanished FERRY_HOME costs the status line, never the process.
    }
  };
  write();
  const unsubscribe = onHealthChange(write);
  return () => {
    unsubscribe();
    rmSync(file, { force: true });
  };
}

/** The health files of this FERRY_HOME's running processes (a killed process's file is ignored). */
export function readServiceHealth(home: string): HealthFile[] {
  const dir = healthDir(home);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const files: HealthFile[] = [];
  for (const name of names) {
    try {
      const parsed = healthFileSchema.safeParse(JSON.parse(readFileSync(join(dir, name), 'utf8')));
      if (parsed.success && alive(parsed.data.pid)) files.push(parsed.data);
    } catch {
      // Half-written or removed meanwhile: the next `ferry status` reads it.
    }
  }
  return files;
}

/**
 * One line per degraded outside service of the running processes, e.g.
 * `degraded: slack unreachable (getaddrinfo ENOTFOUND slack.com) since 2025-06-01T12:00:00.000Z, 4 failures, retrying (ferry dev, pid 123)`.
 */
export function degradedLines(home: string): string[] {
  return readServiceHealth(home).flatMap((file) =>
    file.services
      .filter((s) => !s.up)
      .map((s) => `degraded: ${s.service} ${s.kind ?? 'failing'} (${s.reason ?? 'no reason recorded'}) since ${s.since}, ${s.failures} failure${s.failures === 1 ? '' : 's'}, retrying (${file.role}, pid ${file.pid})`),
  );
}
