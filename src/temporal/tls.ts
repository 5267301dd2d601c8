import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { UsageError } from '../core/errors.js';
import { currentEnv, envValue, type EnvSource } from '../settings.js';

type TlsSetting = 'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY';

function pem(name: TlsSetting, source: EnvSource): Buffer | undefined {
  const path = envValue(name, source);
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`${name}=${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); point it at a PEM file or unset it`, { cause: err });
  }
}

/**
 * The TLS of every connection Ferry makes to the Temporal frontend (CLI, workers, webhook, Slack app, reconciler):
 * `TEMPORAL_TLS_CA` (the frontend's CA), `TEMPORAL_TLS_CERT` + `TEMPORAL_TLS_KEY` (this process's client certificate
 * for mTLS), `TEMPORAL_TLS_SERVER_NAME` (the name in the frontend's certificate). None set: plaintext, as the dev
 * server expects. A certificate without its key (or the reverse) is a usage error naming the missing one.
 */
export function temporalTls(source: EnvSource = currentEnv()): TLSConfig | undefined {
  const ca = pem('TEMPORAL_TLS_CA', source);
  const crt = pem('TEMPORAL_TLS_CERT', source);
  const key = pem('TEMPORAL_TLS_KEY', source);
  const serverName = envValue('TEMPORAL_TLS_SERVER_NAME', source);
  if (!crt !== !key) throw new UsageError(`${crt ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT'} is not set: a client certificate needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY; set the other or unset both`);
  if (!ca && !crt && !serverName) return undefined;
  return {
    ...(ca ? { serverRootCACertificate: ca } : {}),
    ...(crt && key ? { clientCertPair: { crt, key } } : {}),
    ...(serverName ? { serverNameOverride: serverName } : {}),
  };
}

/** `{ address, tls }` for `Connection.connect` / `NativeConnection.connect`: one place decides how Ferry reaches Temporal. */
export function temporalConnection(address: string, source: EnvSource = currentEnv()): { address: string; tls?: TLSConfig } {
  const tls = temporalTls(source);
  return tls ? { address, tls } : { address };
}
