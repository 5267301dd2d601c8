import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../core/errors.js';
import { inheritedEnv } from '../settings.js';
import { ferryCacheDir, goVersion, isExecutable, runGo, withCacheLock } from './tools.js';

/**
 * The Kubernetes API server Ferry's KServe target is tested against, and the etcd it stores objects in, built from
 * source with the Go toolchain (no container runtime, no apt): a wrapper module requires `k8s.io/kubernetes` and
 * replaces each staging module (`k8s.io/api`, `k8s.io/apiserver`, …, which k8s.io/kubernetes names as `v0.0.0` and
 * resolves from its own tree) with the published `k8s.io/<mod> v0.37.x`. etcd is `go.etcd.io/etcd/server/v3` at the
 * version k8s.io/kubernetes itself pins, built from the same module graph: it works without apt (Debian's etcd-server
 * is 3.4, older than Kubernetes 1.37 supports) and shares most compiled packages with the API server's build.
 */
export const KUBERNETES_VERSION = 'v1.37.2';
/** The published staging modules' version matching {@link KUBERNETES_VERSION}. */
export const KUBE_STAGING_VERSION = 'v0.37.2';

export interface KubeBinaries {
  kubeApiserver: string;
  etcd: string;
}

export interface ProvisionKubeOptions {
  /** Where the binaries are kept (default `~/.cache/ferry/kube-apiserver/v1.37.2/`). */
  cacheDir?: string;
  /** Progress lines (the first build takes ~10 minutes and ~120 MB of modules); stderr by default. */
  onProgress?: (line: string) => void;
}

export function kubeCacheDir(): string {
  return ferryCacheDir('kube-apiserver', KUBERNETES_VERSION);
}

/** The wrapper module's go.mod: k8s.io/kubernetes plus a replace for every staging module it requires at v0.0.0. */
export function wrapperGoMod(kubernetesGoMod: string): string {
  const staging = [...kubernetesGoMod.matchAll(/^\s*(k8s\.io\/[a-z0-9-]+) v0\.0\.0\s*$/gm)].map((m) => m[1]!);
  if (staging.length === 0) throw new FerryError(`k8s.io/kubernetes@${KUBERNETES_VERSION}: its go.mod names no staging module at v0.0.0; the wrapper cannot be written`);
  const replaces = [...new Set(staging)].sort().map((m) => `\t${m} => ${m} ${KUBE_STAGING_VERSION}`);
  return ['module ferry.local/kube-apiserver', '', 'go 1.26.0', '', `require k8s.io/kubernetes ${KUBERNETES_VERSION}`, '', 'replace (', ...replaces, ')', ''].join('\n');
}

const TOOLS_GO = `//go:build tools

// Package tools pins the two programs Ferry builds from this module.
package tools

import (
\t_ "go.etcd.io/etcd/server/v3"
\t_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
`;

/**
 * The cached `kube-apiserver` and `etcd`, built the first time (Go ≥ 1.26, as k8s.io/kubernetes 1.37 requires) under
 * the cache lock, so parallel test files and worktrees build them once. The binaries are moved into place only when
 * both are built: an interrupted build leaves nothing that looks ready.
 */
export async function provisionKube(options: ProvisionKubeOptions = {}): Promise<KubeBinaries> {
  const onProgress = options.onProgress ?? ((line) => process.stderr.write(`${line}\n`));
  const dir = options.cacheDir ?? kubeCacheDir();
  const bins = { kubeApiserver: join(dir, 'kube-apiserver'), etcd: join(dir, 'etcd') };
  const ready = () => isExecutable(bins.kubeApiserver) && isExecutable(bins.etcd);
  if (ready()) return bins;
  const go = goVersion();
  if (!go || (go[0] === 1 && go[1] < 26)) {
    throw new FerryError(`no kube-apiserver: ${go ? `Go ${go.join('.')} is older than 1.26` : 'Go is not installed'}; install Go ≥ 1.26 so Ferry can build kube-apiserver ${KUBERNETES_VERSION} and etcd`);
  }
  return withCacheLock(dir, `kube-apiserver ${KUBERNETES_VERSION}`, onProgress, async () => {
    if (ready()) return bins;
    mkdirSync(dir, { recursive: true });
    const work = mkdtempSync(join(dir, '.build-'));
    const what = `kube-apiserver ${KUBERNETES_VERSION} and etcd`;
    // GOFLAGS replaced: a user's flags (e.g. -mod=vendor) must not change how the pinned module builds.
    const env = { GOFLAGS: '-mod=mod', GOWORK: 'off' };
    try {
      onProgress(`Building ${what} from the Go module proxy into ${dir} (first time only; ~10 minutes, ~120 MB of modules)…`);
      const download = spawnSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${KUBERNETES_VERSION}`], { cwd: work, encoding: 'utf8', env: { ...inheritedEnv(), ...env } });
      const goModPath = /"GoMod":\s*"([^"]+)"/.exec(download.stdout ?? '')?.[1];
      if (download.status !== 0 || !goModPath) throw new Error(`go mod download k8s.io/kubernetes@${KUBERNETES_VERSION} failed: ${(download.stderr || download.stdout).trim().slice(-300)}`);
      writeFileSync(join(work, 'go.mod'), wrapperGoMod(readFileSync(goModPath, 'utf8')));
      writeFileSync(join(work, 'tools.go'), TOOLS_GO);
      await runGo(['mod', 'tidy'], { what, cwd: work, env, onProgress });
      await runGo(['build', '-o', join(work, 'kube-apiserver'), 'k8s.io/kubernetes/cmd/kube-apiserver'], { what: `kube-apiserver ${KUBERNETES_VERSION}`, cwd: work, env, onProgress });
      await runGo(['build', '-o', join(work, 'etcd'), 'go.etcd.io/etcd/server/v3'], { what: 'etcd', cwd: work, env, onProgress });
      renameSync(join(work, 'etcd'), bins.etcd);
      renameSync(join(work, 'kube-apiserver'), bins.kubeApiserver);
      writeFileSync(join(dir, 'go.mod'), readFileSync(join(work, 'go.mod')));
    } catch (err) {
      throw new FerryError(`no kube-apiserver: ${(err as Error).message}; check the Go toolchain and access to the Go module proxy (GOPROXY)`, { cause: err });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    return bins;
  });
}
