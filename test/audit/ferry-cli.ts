import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs the real `ferry` bin against a test database (PGlite's is a real wire-protocol URL). TEMPORAL_ADDRESS points
 * nowhere: these commands must not need Temporal. FERRY_HOME is empty, so no running `ferry dev` is picked up.
 */
export function ferry(args: string[], databaseUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/ferry.mjs', ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: '127.0.0.1:7999', FERRY_HOME: mkdtempSync(join(tmpdir(), 'ferry-cli-')) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
