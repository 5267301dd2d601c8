/** `ferry dev` on stable ports: a taken one stops it with one line naming the variable; its hint names a pipeline that exists. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHint } from '../../src/cli/commands/dev.js';
import { devPorts, readEnv } from '../../src/settings.js';
import { assertPortFree } from '../../src/temporal/dev-server.js';
import { runFerry } from '../helpers/cli.js';

describe('ferry dev ports', () => {
  let taken: Server;
  let port: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => taken.close(() => r())));

  it("defaults to Temporal's usual 7233/8233 and fixed model server and metrics ports, each overridable", () => {
    expect(devPorts(readEnv({}))).toEqual({ temporal: 7233, ui: 8233, serve: 8080, metrics: 9464 });
    expect(devPorts(readEnv({ FERRY_TEMPORAL_PORT: '17233' })).temporal).toBe(17233);
    expect(() => devPorts(readEnv({ FERRY_SERVE_PORT: 'http' }))).toThrow('environment variable FERRY_SERVE_PORT: expected a port number 0–65535, got "http"; fix or unset it');
  });

  it('names the port, what wanted it and the variable that moves it when the port is taken', async () => {
    await expect(assertPortFree(port, 'Temporal', 'FERRY_TEMPORAL_PORT')).rejects.toThrow(
      `port ${port} on 127.0.0.1 (Temporal) is taken: is another 'ferry dev' or server running? Stop it, or set FERRY_TEMPORAL_PORT=<another port> (0 picks a free one)`,
    );
    await expect(assertPortFree(0, 'Temporal')).resolves.toBeUndefined();
  });

  it('ferry dev stops at start-up with that line and exit 1', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ferry-ports-'));
    const result = await runFerry(['dev'], { cwd: home, env: { FERRY_HOME: join(home, '.ferry'), TEMPORAL_ADDRESS: '', DATABASE_URL: '', FERRY_SERVE_PORT: String(port) } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`ferry: port ${port} on 127.0.0.1 (the model server) is taken`);
    expect(result.stderr).toContain('set FERRY_SERVE_PORT=<another port>');
  }, 120_000);

  it("start-up hint names a pipeline of the current project, or how to make one", () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-hint-'));
    expect(startHint(dir)).toBe('No pipeline here yet (pipelines/*.ts): npx ferry init scaffolds one, then: npx ferry run pipelines/<name>.ts --wait');
    mkdirSync(join(dir, 'pipelines'));
    writeFileSync(join(dir, 'pipelines', 'churn.ts'), '');
    expect(startHint(dir)).toBe('In another terminal: npx ferry run pipelines/churn.ts --wait    then: npx ferry status');
  });
});
