import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import canonicalize from 'canonicalize';
import { FerryError, UsageError } from '../core/errors.js';
import { currentEnv, type EnvSource } from '../settings.js';

/**
 * Per-owner Ed25519 keys (node:crypto). A person's private key lives in their own config directory
 * (`FERRY_CONFIG_DIR`, else `$XDG_CONFIG_HOME/ferry`, else `~/.config/ferry`), mode 0600 in a 0700 directory, and is
 * never written under a worker's FERRY_HOME; Postgres holds only the public key (`signing_keys`). What a key signs is
 * the RFC 8785 canonical JSON of a plain object, so signer and verifier agree byte for byte.
 */

export interface KeyPair {
  keyId: string;
  privateKey: KeyObject;
  /** SPKI DER, base64: what `signing_keys.public_key` stores. */
  publicKey: string;
}

/** `ed25519:` + the first 32 hex digits of sha256 over the SPKI DER. */
export function keyIdOf(publicKey: string): string {
  return `ed25519:${createHash('sha256').update(Buffer.from(publicKey, 'base64')).digest('hex').slice(0, 32)}`;
}

function pairOf(privateKey: KeyObject): KeyPair {
  const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

/** A fresh Ed25519 key pair (in memory). */
export function generateKeyPair(): KeyPair {
  return pairOf(generateKeyPairSync('ed25519').privateKey);
}

/** The canonical bytes a signature covers. */
export function signedBytes(payload: unknown): Buffer {
  const text = canonicalize(payload);
  if (text === undefined) throw new TypeError('cannot sign a value without a JSON form');
  return Buffer.from(text, 'utf8');
}

/** Ed25519 signature (base64) over the canonical JSON of `payload`. */
export function signPayload(privateKey: KeyObject, payload: unknown): string {
  return sign(null, signedBytes(payload), privateKey).toString('base64');
}

/** Whether `signature` is `publicKey`'s signature over `payload`; anything malformed is false, never a throw. */
export function verifyPayload(publicKey: string, payload: unknown, signature: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') return false;
    const sig = Buffer.from(signature, 'base64');
    return sig.length === 64 && verify(null, signedBytes(payload), key, sig);
  } catch {
    return false;
  }
}

/** The caller's own config directory (not FERRY_HOME): where their private keys live. */
export function configDir(env: EnvSource = currentEnv()): string {
  if (env.FERRY_CONFIG_DIR) return resolve(env.FERRY_CONFIG_DIR);
  if (env.XDG_CONFIG_HOME) return join(resolve(env.XDG_CONFIG_HOME), 'ferry');
  return join(homedir(), '.config', 'ferry');
}

const inside = (child: string, parent: string) => {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
};

/** Where `owner`'s private key is kept: `<config dir>/keys/<owner>.pem` (a service's under `keys/services/`). */
export function keyPath(dir: string, owner: string, service = false): string {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(owner)) throw new UsageError(`key owner ${JSON.stringify(owner)}: expected letters, digits, '.', '_' or '-'`);
  return service ? join(dir, 'keys', 'services', `${owner}.pem`) : join(dir, 'keys', `${owner}.pem`);
}

export interface KeyLocation {
  /** The config directory (default `configDir()`). */
  dir?: string;
  /** A worker's FERRY_HOME: a private key is never kept inside it. */
  ferryHome?: string;
  /** A service's key (the Slack app, the push webhook, the scheduler) rather than a person's. */
  service?: boolean;
}

function checkLocation(file: string, where: KeyLocation): void {
  if (where.ferryHome && inside(resolve(file), resolve(where.ferryHome))) {
    throw new UsageError(`${file}: private keys are never kept inside FERRY_HOME (${resolve(where.ferryHome)}), which workers and their steps use; set FERRY_CONFIG_DIR to a directory of your own`);
  }
}

function readKey(file: string): KeyPair {
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    throw new FerryError(`${file}: readable by other users; run 'chmod 600 ${file}' (it signs in your name), or make a new key with 'ferry users key'`);
  }
  try {
    const key = createPrivateKey(readFileSync(file, 'utf8'));
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType} key`);
    return pairOf(key);
  } catch (err) {
    throw new FerryError(`${file}: not an Ed25519 private key (${(err as Error).message}); make a new one with 'ferry users key'`, { cause: err });
  }
}

function writeKey(file: string, pair: KeyPair, flag: 'wx' | 'w'): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // The keys directory (and keys/services) is the caller's alone; the config directory above it is left as it is.
  const keysDir = file.slice(0, file.lastIndexOf(`${sep}keys${sep}`) + `${sep}keys`.length);
  for (const dir of new Set([keysDir, dirname(file)])) chmodSync(dir, 0o700);
  const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  if (flag === 'wx') {
    writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
    return;
  }
  // Rotation: never leave a half-written key behind.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, pem, { mode: 0o600, flag: 'wx' });
  renameSync(tmp, file);
}

/** `owner`'s key pair from their config directory, or undefined when they have none there yet. */
export function readOwnKey(owner: string, where: KeyLocation = {}): KeyPair | undefined {
  const file = keyPath(where.dir ?? configDir(), owner, where.service);
  checkLocation(file, where);
  try {
    statSync(file);
  } catch {
    return undefined;
  }
  return readKey(file);
}

/**
 * `owner`'s key pair, created (mode 0600, directory 0700) on first use; `created` says whether it is new, so the
 * caller registers its public key.
 */
export function loadOrCreateKey(owner: string, where: KeyLocation = {}): KeyPair & { created: boolean; file: string } {
  const file = keyPath(where.dir ?? configDir(), owner, where.service);
  checkLocation(file, where);
  const fresh = generateKeyPair();
  try {
    writeKey(file, fresh, 'wx');
    return { ...fresh, created: true, file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return { ...readKey(file), created: false, file };
}

/** Replaces `owner`'s key pair with a new one (atomically) and returns it. */
export function rotateOwnKey(owner: string, where: KeyLocation = {}): KeyPair & { file: string } {
  const file = keyPath(where.dir ?? configDir(), owner, where.service);
  checkLocation(file, where);
  const fresh = generateKeyPair();
  writeKey(file, fresh, 'w');
  return { ...fresh, file };
}
