import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join, resolve } from 'node:path';
import { FerryError } from '../core/errors.js';
import { freePort } from '../observability/endpoint.js';
import { inheritedEnv } from '../settings.js';
import { supervise, type Supervised } from './process.js';
import { provisionKube, type ProvisionKubeOptions } from './kube.js';

/** A real Kubernetes API server (no kubelet, no controllers) on loopback, with the etcd it stores objects in. */
export interface KubeApiServer {
  /** `https://127.0.0.1:<port>`. */
  url: string;
  /** The static bearer token of the test user (`ferry-admin`, in group `system:masters`, which RBAC lets do anything). */
  token: string;
  /** PEM of the API server's self-signed serving certificate and its CA: what a client trusts. */
  caPem: string;
  /** A kubeconfig for the server, as YAML (what `KUBECONFIG` would point at). */
  kubeconfig: string;
  stop(): Promise<void>;
}

export interface StartKubeApiServerOptions extends ProvisionKubeOptions {
  /** Where etcd's data, the certificates, the service-account key and the token file live. */
  dir: string;
  /** How long to wait for `/readyz` (default 180 s: the first start installs every built-in API group). */
  readyTimeoutMs?: number;
}

type Proc = Supervised;

function run(binary: string, args: string[]): Proc {
  return supervise(spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: inheritedEnv() }), { keepChars: 6000 });
}

const lastLines = (p: Proc) => p.output().trim().split('\n').slice(-5).join(' | ');

/** GET `url` over HTTPS trusting `ca` (or any certificate until the server has written one); true on 2xx. */
async function healthy(url: string, token: string, ca: string | undefined): Promise<boolean> {
  return new Promise((done) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` }, agent: new Agent(ca ? { ca } : { rejectUnauthorized: false }), timeout: 3000 }, (res) => {
      res.resume();
      done((res.statusCode ?? 500) < 300);
    });
    req.on('error', () => done(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * Starts etcd and kube-apiserver (built and cached by {@link provisionKube}) on 127.0.0.1 with free ports: a generated
 * service-account signing key, a static token for the test user, RBAC authorization, and
 * `--endpoint-reconciler-type=none` (there is no node network to advertise). The serving certificate is the one the
 * API server generates into `dir/certs`; clients trust it through `caPem`.
 */
export async function startKubeApiServer(options: StartKubeApiServerOptions): Promise<KubeApiServer> {
  const bins = await provisionKube(options);
  const dir = resolve(options.dir);
  const certs = join(dir, 'certs');
  mkdirSync(certs, { recursive: true });
  const saKey = join(dir, 'sa.key');
  if (!existsSync(saKey)) writeFileSync(saKey, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const token = randomBytes(24).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${token},ferry-admin,ferry-admin,"system:masters"\n`, { mode: 0o600 });

  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const etcd = run(bins.etcd, [
    '--name', 'ferry', '--data-dir', join(dir, 'etcd'),
    '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
    '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `ferry=${peerUrl}`,
    // A throwaway test store: durability on every write would only slow a shared machine down.
    '--unsafe-no-fsync', '--log-level', 'warn',
  ]);
  const apiserver = run(bins.kubeApiserver, [
    '--etcd-servers', etcdUrl,
    '--bind-address', '127.0.0.1', '--advertise-address', '127.0.0.1', '--secure-port', String(apiPort),
    '--cert-dir', certs,
    '--service-account-key-file', saKey, '--service-account-signing-key-file', saKey,
    '--service-account-issuer', 'https://kubernetes.default.svc',
    '--token-auth-file', join(dir, 'tokens.csv'),
    '--authorization-mode', 'RBAC',
    '--endpoint-reconciler-type', 'none',
    '--service-cluster-ip-range', '10.0.0.0/24',
    '--enable-priority-and-fairness=false',
    '-v', '1',
  ]);
  const url = `https://127.0.0.1:${apiPort}`;
  const stop = async () => {
    await apiserver.stop();
    await etcd.stop();
  };
  const certFile = join(certs, 'apiserver.crt');
  const timeoutMs = options.readyTimeoutMs ?? 180_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (etcd.exited() !== undefined) {
      await stop();
      throw new FerryError(`etcd exited (${etcd.exited()}) before kube-apiserver was ready: ${lastLines(etcd)}`);
    }
    if (apiserver.exited() !== undefined) {
      await stop();
      throw new FerryError(`kube-apiserver exited (${apiserver.exited()}) before it was ready: ${lastLines(apiserver)}`);
    }
    const ca = existsSync(certFile) ? readFileSync(certFile, 'utf8') : undefined;
    if (ca && (await healthy(`${url}/readyz`, token, ca))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new FerryError(`kube-apiserver did not answer ${url}/readyz within ${Math.round(timeoutMs / 1000)} s: ${lastLines(apiserver)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const caPem = readFileSync(certFile, 'utf8');
  const kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ferry\n  cluster:\n    server: ${url}\n    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
    'users:',
    `- name: ferry-admin\n  user:\n    token: ${token}`,
    'contexts:',
    '- name: ferry\n  context:\n    cluster: ferry\n    user: ferry-admin',
    'current-context: ferry',
    '',
  ].join('\n');
  return { url, token, caPem, kubeconfig, stop };
}
