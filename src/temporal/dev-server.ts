import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { FerryError } from '../core/errors.js';
import { searchAttributeFlags } from '../core/search-attributes.js';

export interface DevServerOptions {
  /** Path to the `temporal` binary (see `provisionTemporalCli`). */
  binary: string;
  /** SQLite file so runs survive restarts; omitted → in memory (tests). */
  dbFile?: string;
  /** No Web UI (tests). Default false. */
  headless?: boolean;
  namespace?: string;
  /** gRPC and Web UI ports (`ferry dev`'s stable 7233/8233); 0 or unset: free ones. */
  port?: number;
  uiPort?: number;
  /** The variables that set those ports, named when one is taken. */
  portVariables?: { port: string; uiPort: string };
  /** Seconds to wait for the server to answer health checks. Default 60. */
  startTimeoutSeconds?: number;
}

export interface DevServer {
  /** gRPC `host:port` for clients and workers. */
  address: string;
  namespace: string;
  /** Web UI base URL, unless headless. */
  uiUrl?: string;
  pid: number;
  stop(): Promise<void>;
}

/** Asks the OS for a free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls the frontend until it answers, or fails early when the process exits. */
async function waitForHealth(address: string, child: ChildProcess, timeoutMs: number, stderrTail: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new FerryError(`the Temporal dev server exited before it was ready (${child.exitCode ?? child.signalCode}): ${stderrTail()}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new FerryError(`the Temporal dev server at ${address} did not become healthy in ${timeoutMs / 1000} s: ${String(lastError)}`);
}

/**
 * Fails with one line naming the port, what wanted it and the variable that moves it, when something listens there.
 * @example await assertPortFree(7233, 'Temporal', 'FERRY_TEMPORAL_PORT')
 */
export async function assertPortFree(port: number, what: string, variable?: string): Promise<void> {
  const taken = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
  if (taken) {
    throw new FerryError(`port ${port} on 127.0.0.1 (${what}) is taken: is another 'ferry dev' or server running? Stop it${variable ? `, or set ${variable}=<another port> (0 picks a free one)` : ''}`);
  }
}

/**
 * Starts `temporal server start-dev` on free ports with Ferry's search attributes and waits until it is healthy.
 * The child gets SIGKILL if this process dies (Linux `setpriv --pdeathsig`), so a crashed parent leaves no server behind.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  // Free ports are found by binding and releasing them; on a busy machine another process can take one before the
  // server binds it, and the server exits at once. With no port fixed by the user, try again on new ports.
  const pickedFreely = !options.port && (options.headless || !options.uiPort);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServerOnce(options);
    } catch (err) {
      if (!pickedFreely || attempt >= 3 || !(err instanceof FerryError) || !err.message.includes('exited before it was ready')) throw err;
    }
  }
}

async function startDevServerOnce(options: DevServerOptions): Promise<DevServer> {
  const namespace = options.namespace ?? 'default';
  const wanted = async (fixed: number | undefined, what: string, variable: string | undefined) => {
    if (!fixed) return freePort();
    await assertPortFree(fixed, what, variable);
    return fixed;
  };
  const port = await wanted(options.port, 'Temporal', options.portVariables?.port);
  const uiPort = options.headless ? 0 : await wanted(options.uiPort, 'the Temporal UI', options.portVariables?.uiPort);
  const [httpPort, metricsPort] = await Promise.all([freePort(), freePort()]);
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--http-port', String(httpPort),
    '--metrics-port', String(metricsPort),
    '--namespace', namespace,
    '--log-level', 'error',
    ...searchAttributeFlags(),
  ];
  if (options.headless) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  const useSetpriv = process.platform === 'linux' && existsSync('/usr/bin/setpriv');
  const child = useSetpriv
    ? spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', options.binary, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(options.binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-4000);
  });
  const address = `127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForHealth(address, child, (options.startTimeoutSeconds ?? 60) * 1000, () => tail.trim().split('\n').slice(-3).join(' | '));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    address,
    namespace,
    uiUrl: options.headless ? undefined : `http://127.0.0.1:${uiPort}`,
    pid: child.pid!,
    stop,
  };
}
