import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FerryError } from '../core/errors.js';
import { currentEnv, envValue, type EnvSource } from '../settings.js';

/**
 * The audit key: what tells Ferry's own appends from a row someone with database write access INSERTs with a correct
 * hash. It lives only with Ferry's processes, never in Postgres: `FERRY_AUDIT_SECRET` (one value for every process of
 * a deployment, like DATABASE_URL), else `FERRY_HOME/audit-key`, generated 0600 on first use (the embedded stack, whose
 * processes share FERRY_HOME). Steps never see it: their environment is allow-listed and, with FERRY_STEP_USER, they
 * cannot read FERRY_HOME's files.
 */
export interface AuditKey {
  key: Buffer;
  /** Where it came from, for a message a person reads (never the key itself). */
  source: string;
}

/** The audit key of this process. `create: false` (verification) returns undefined instead of generating one. */
export function auditKey(options: { create?: boolean; env?: EnvSource } = {}): AuditKey | undefined {
  const env = options.env ?? currentEnv();
  const secret = envValue('FERRY_AUDIT_SECRET', env);
  if (secret) return { key: Buffer.from(secret, 'utf8'), source: 'FERRY_AUDIT_SECRET' };
  const file = resolve(envValue('FERRY_HOME', env) ?? '.ferry', 'audit-key');
  if (!existsSync(file)) {
    if (options.create === false) return undefined;
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new FerryError(`${file} is readable by other users (mode ${mode.toString(8)}); chmod 600 it (a new key would make every record since unverifiable)`);
  const text = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(text)) throw new FerryError(`${file} holds no audit key (expected 64 hex digits); restore it from a backup, or set FERRY_AUDIT_SECRET`);
  return { key: Buffer.from(text, 'hex'), source: file };
}

/** HMAC-SHA256 (hex) of one record's chain position: seq, prevHash and hash (which covers its content). */
export function auditMac(key: AuditKey, record: { seq: number; prevHash: string; hash: string }): string {
  return createHmac('sha256', key.key).update(`ferry-audit-mac-v1\n${record.seq}\n${record.prevHash}\n${record.hash}`).digest('hex');
}

/** Whether `mac` is the audit key's MAC of the record (constant time; anything malformed is false). */
export function auditMacValid(key: AuditKey, record: { seq: number; prevHash: string; hash: string; mac: string | null }): boolean {
  if (!record.mac || !/^[0-9a-f]{64}$/.test(record.mac)) return false;
  return timingSafeEqual(Buffer.from(auditMac(key, record), 'hex'), Buffer.from(record.mac, 'hex'));
}
