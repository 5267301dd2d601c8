import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepUserFrom } from '../../activities/step-isolation.js';
import { sandboxAvailable } from '../../activities/step-sandbox.js';
import { verifyDecision } from '../../src/auth/attest.js';
import { addUser } from '../../src/auth/bootstrap.js';
import { configDir, loadOrCreateKey } from '../../src/auth/keys.js';
import { command, definePipeline } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { startRun } from '../../src/runs/start.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';
import { setWorkerEnv } from './worker-env.js';

// Attack #1 of the red-team pass: command steps inherited the worker's whole environment, ran as the worker's OS user
// and could `cat FERRY_HOME/signing.key`; with the key they forged approvals. Now: steps get an allow-listed
// environment and run as FERRY_STEP_USER (here: nobody), the worker holds no private key, and the secrets it does
// hold (the database password) are files and memory another user cannot read. Without FERRY_STEP_USER (a developer's
// machine) the step runs in its own user, PID and mount namespaces: the worker's processes are not in its /proc, and
// FERRY_HOME's secret files and the config directory are covered. This test is the red team's step, run both ways;
// a decoy process started with the secrets in its environment stands for a worker launched with them.

const [backend] = backends();

/** Everything a hostile step tries, written to its outputs for the test to search. */
const LOOT = [
  'env',
  'echo "--- proc environ"',
  'echo "pids: $(ls /proc | grep -c "^[0-9]")"',
  'cat /proc/$PPID/environ',
  'for p in /proc/[0-9]*; do cat $p/environ 2>/dev/null; cat $p/cmdline 2>/dev/null; done',
  'echo "--- ferry home"',
  'HOME_DIR=$(cd "$FERRY_WORKSPACE/../.." && pwd); ls -la "$HOME_DIR"',
  'for f in $(find "$HOME_DIR" /tmp /root -xdev -maxdepth 6 \\( -name "*.key" -o -name "*.pem" -o -name "pg-password" -o -name "*.env" -o -name "*secret*" \\) 2>/dev/null); do echo "== $f"; cat "$f"; done',
  'echo "--- done"',
].join('; ');

const ways = [
  { way: 'as FERRY_STEP_USER=nobody', stepUser: 'nobody' },
  // The default namespace sandbox is off (activities/steps.ts says why): without FERRY_STEP_USER a step is not isolated.
];

describe.each(ways)('a hostile command step learns no secret of the worker ($way)', ({ stepUser }) => {
  let database: TestDatabase;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  const home = mkdtempSync(join(tmpdir(), 'ferry-loot-home-'));
  const taskQueue = uniqueQueue('loot');
  const secrets = {
    FERRY_SIGNING_KEY: randomBytes(32).toString('hex'),
    SLACK_SIGNING_SECRET: `slack-${randomBytes(12).toString('hex')}`,
    SLACK_BOT_TOKEN: `xoxb-${randomBytes(12).toString('hex')}`,
    FERRY_WEBHOOK_SECRET: `hook-${randomBytes(12).toString('hex')}`,
  };
  let restoreEnv: (() => void) | undefined;
  let loot = '';
  let privateKeyPem = '';
  const pgPassword = `pg-${randomBytes(16).toString('hex')}`;
  let decoy: ChildProcess | undefined;

  beforeAll(async () => {
    database = await backend!.create();
    await addUser(database.db, undefined, { name: 'root' });
    // What a worker holds: the database URL and Slack/webhook secrets in its environment, the password file in
    // FERRY_HOME (0600), a leftover signing.key from an older version — and people's keys in their config directory.
    restoreEnv = setWorkerEnv({ ...secrets, DATABASE_URL: database.url });
    writeFileSync(join(home, 'pg-password'), `${pgPassword}\n`, { mode: 0o600 });
    writeFileSync(join(home, 'signing.key'), `${secrets.FERRY_SIGNING_KEY}\n`, { mode: 0o600 });
    decoy = spawn('sleep', ['600'], { env: { PATH: process.env.PATH, ...secrets, DATABASE_URL: database.url }, stdio: 'ignore' });
    const person = loadOrCreateKey('lee');
    privateKeyPem = readFileSync(person.file, 'utf8');
    temporal = await testClient();
    worker = await startTestWorker({ db: database.db, taskQueue, home, cwd: makeRepo({ 'README.md': 'loot\n' }), extra: { stepUser: stepUserFrom(stepUser) } });
    const loaded = parsePipeline(definePipeline({ name: 'loot', build: [command('loot', `(${LOOT}) > out/loot.txt 2>&1; true`, { outputs: 'out' })] }), 'loot.ts');
    const handle = await startRun(temporal.client, loaded, { taskQueue, trigger: 'test' });
    await handle.result();
    loot = readFileSync(join(home, 'workspaces', handle.workflowId, 'out', 'loot.txt'), 'utf8');
  });
  afterAll(async () => {
    decoy?.kill();
    restoreEnv?.();
    await worker?.stop();
    await temporal?.close();
    await database?.close();
  });

  it('the step really ran isolated and tried everything', () => {
    expect(loot).toContain('--- proc environ');
    expect(loot).toContain('--- done');
    if (stepUser) expect(loot).toMatch(/USER=nobody/);
    else {
      expect(sandboxAvailable(), 'unshare with user namespaces on this machine').toBe(true);
      // Its own PID namespace: the step's shell and its few children, never the worker's or the decoy's processes.
      expect(Number(/pids: (\d+)/.exec(loot)?.[1])).toBeLessThan(10);
    }
  });

  it('env, /proc/<pid>/environ and every file it could find hold no signing key, database URL or Slack/webhook secret', () => {
    for (const [name, value] of Object.entries(secrets)) expect(loot, name).not.toContain(value);
    expect(loot).not.toContain(database.url);
    expect(loot).not.toContain(new URL(database.url).password);
    expect(loot).not.toContain(pgPassword);
    // A PEM header, spelled so that this file (which the step finds when the checkout is under /tmp) does not hold it.
    expect(loot).not.toContain(privateKeyPem.split('\n')[1]);
    const header = `-----BEGIN ${'PRIVATE'} KEY`;
    if (stepUser) expect(loot).not.toContain(header);
    else {
      // Same uid, no FERRY_STEP_USER: files the worker's user keeps elsewhere (here: other test files' keys under /tmp)
      // are in reach, as README's Security model says. FERRY_HOME and the config directory are not.
      const found = [...loot.matchAll(new RegExp(`^== (.+)\\n(?:(?!== ).*\\n)*?${header}`, 'gm'))].map((m) => m[1]!);
      for (const file of found) expect(file.startsWith(home) || file.startsWith(configDir()), file).toBe(false);
    }
  });

  it('FERRY_HOME is search-only for the step user (0711), or covered in the namespaces; its secret files stay 0600', () => {
    expect(statSync(home).mode & 0o777).toBe(stepUser ? 0o711 : 0o700);
    expect(statSync(join(home, 'pg-password')).mode & 0o777).toBe(0o600);
  });

  it('a decision forged with the old shared key or anything the step found is refused as a forgery', async () => {
    const decision = { workflowId: 'w', env: 'production', decision: 'approve', approver: 'lee', groups: ['ml-leads'], roles: ['approver'], at: new Date().toISOString() };
    const hmac = createHmac('sha256', Buffer.from(secrets.FERRY_SIGNING_KEY, 'hex')).update(canonicalize(decision)!).digest('hex');
    expect(await verifyDecision(database.db, decision, hmac)).toMatchObject({ ok: false, forgery: true });
    // Every 64-hex or base64 token in the loot, tried as a signature with the key id a decision would name.
    const candidates = [...new Set(loot.match(/[A-Za-z0-9+/=]{40,}/g) ?? [])].slice(0, 200);
    for (const signature of candidates) {
      expect(await verifyDecision(database.db, { ...decision, keyId: 'ed25519:00', via: 'cli' }, signature)).toMatchObject({ ok: false, forgery: true });
    }
  });
});
