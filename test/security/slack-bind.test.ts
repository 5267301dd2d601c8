import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackApp, type SlackApp } from '../../src/slack/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { startFakeSlackApi } from '../slack/fake-slack.js';

// Attack #8e of the red-team pass: the Slack approval app listened on all interfaces, so anyone on the network could
// reach its request endpoint directly. It now binds 127.0.0.1 unless told otherwise (Slack reaches it through the
// operator's tunnel or reverse proxy). Checked on the kernel's socket table and by connecting through this machine's
// own non-loopback addresses; an app bound to 0.0.0.0 on purpose is the control that those addresses do connect.

const [backend] = backends();

/** Whether a TCP connection to host:port is accepted (true) or refused/unreachable (the error code). */
function tryConnect(host: string, port: number): Promise<true | string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('ETIMEDOUT');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** The local addresses (hex, as /proc/net/tcp writes them) listening on `port`. */
function listeners(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[3] === '0A' && f[1]?.endsWith(`:${hexPort}`))
    .map((f) => f[1]!.split(':')[0]!);
}

const portOf = (url: string) => Number(new URL(url).port);
/** This machine's own IPv4 addresses other than loopback. */
const outsideAddresses = () =>
  Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);

describe('the Slack approval app binds loopback by default', () => {
  let database: TestDatabase;
  let api: Awaited<ReturnType<typeof startFakeSlackApi>>;
  let byDefault: SlackApp;
  let everywhere: SlackApp;
  let defaultPort = 0;
  let everywherePort = 0;

  beforeAll(async () => {
    database = await backend!.create();
    api = await startFakeSlackApi();
    const approvals = { decide: async () => ({ ok: false as const, refusal: 'not in this test' }) };
    const common = { signingSecret: 'test-signing-secret-0123456789abcdef', botToken: 'xoxb-test', apiUrl: api.url, approvals, db: database.db, port: 0 };
    byDefault = createSlackApp(common);
    defaultPort = portOf((await byDefault.start()).url!);
    everywhere = createSlackApp({ ...common, host: '0.0.0.0' });
    everywherePort = portOf((await everywhere.start()).url!);
  });
  afterAll(async () => {
    await byDefault?.stop();
    await everywhere?.stop();
    await api?.close();
    await database?.close();
  });

  it('listens on 127.0.0.1 only: the socket table shows one listener, on loopback', () => {
    expect(listeners(defaultPort)).toEqual(['0100007F']);
    expect(listeners(everywherePort)).toEqual(['00000000']);
  });

  it('refuses a connection through a non-loopback address of this machine, which an app bound to 0.0.0.0 accepts', async () => {
    expect(await tryConnect('127.0.0.1', defaultPort)).toBe(true);
    const outside = outsideAddresses();
    // Without a non-loopback interface the socket table above is the whole check.
    for (const address of outside) {
      expect(await tryConnect(address, everywherePort), `${address} reaches an app bound to 0.0.0.0`).toBe(true);
      expect(await tryConnect(address, defaultPort), `${address} must not reach the default app`).toBe('ECONNREFUSED');
    }
  });
});
