import { spawn } from 'node:child_process';
import { FerryError } from '../core/errors.js';
import { envValue } from '../settings.js';

/** Runs kubectl with `args` (and `stdin`), resolving its stdout; a non-zero exit rejects with its stderr. */
export type KubectlRunner = (args: string[], stdin?: string) => Promise<string>;

/**
 * The real kubectl: `FERRY_KUBECTL` (a path) or `kubectl` on PATH, with `--context` when given. Its current context
 * (or KUBECONFIG) decides the cluster.
 */
export function createKubectl(options: { binary?: string; context?: string } = {}): KubectlRunner {
  const binary = options.binary ?? envValue('FERRY_KUBECTL') ?? 'kubectl';
  const prefix = options.context ? ['--context', options.context] : [];
  return (args, stdin) =>
    new Promise((resolve, reject) => {
      const child = spawn(binary, [...prefix, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
      child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
      child.on('error', (e) => reject(new FerryError(`kubernetes deployment target: cannot run ${binary} (${e.message}); install kubectl or set FERRY_KUBECTL to its path`, { cause: e })));
      child.on('close', (code) =>
        // Retryable: an unreachable API server or a webhook timeout clears up; Temporal's retry policy bounds it.
        code === 0 ? resolve(out) : reject(new FerryError(`kubernetes deployment target: kubectl ${args.join(' ')} exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`, { details: { retryable: true } })),
      );
      child.stdin.end(stdin ?? '');
    });
}
