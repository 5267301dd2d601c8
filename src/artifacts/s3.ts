import { GetObjectCommand, HeadObjectCommand, NotFound, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FerryError } from '../core/errors.js';
import { createFileStore, sha256File, type ArtifactStore, type StoredArtifact } from './store.js';
import { listTree, manifestBytes, parseManifest, type TreeEntry } from './tree.js';

/**
 * The artifact store in an S3 bucket (AWS S3 or any S3-compatible server: MinIO, Ceph, R2), through the official AWS
 * SDK. Objects are content-addressed under the URL's prefix: a file at `<prefix>/sha256/ab/abcd…`, a directory as
 * its files (blobs like any other) plus its tree manifest at `<prefix>/trees/<manifest sha256>` — so the object an
 * artifact's URI names always hashes to the artifact's sha256. Uploads stream (multipart for large files) and are
 * idempotent: an object already there with the same sha256 is not sent again. Downloads stream into the worker's own
 * cache (a file store), are hashed on the way and refused on a mismatch, and are then reused by hash.
 */

export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing `/` (may be empty). */
  prefix: string;
}

/** Parses `s3://bucket/prefix`, naming the variable and the fix when it is not one. */
export function parseS3Url(url: string, where = 'FERRY_ARTIFACTS'): S3Location {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) throw new FerryError(`${where}=${url}: expected s3://bucket/prefix with a valid bucket name (lower-case letters, digits, dots, hyphens), e.g. s3://ml-artifacts/ferry`, { exitCode: 2 });
  return { bucket: match[1]!, prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

export interface S3StoreOptions {
  /** `s3://bucket/prefix`. */
  url: string;
  client: S3Client;
  /** The worker's local cache of downloaded artifacts (e.g. `$FERRY_HOME/cache/artifacts`). */
  cacheDir: string;
}

/** Hashes what passes through. */
function hashing(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
}

const isMissing = (err: unknown) => err instanceof NotFound || (err instanceof S3ServiceException && (err.name === 'NotFound' || err.name === 'NoSuchKey' || err.$metadata.httpStatusCode === 404));

export function createS3Store(options: S3StoreOptions): ArtifactStore & { location: S3Location } {
  const location = parseS3Url(options.url);
  const { bucket } = location;
  const { client } = options;
  const cache = createFileStore(options.cacheDir);
  const key = (...parts: string[]) => [location.prefix, ...parts].filter(Boolean).join('/');
  const blobKey = (sha256: string) => key('sha256', sha256.slice(0, 2), sha256);
  const treeKey = (sha256: string) => key('trees', sha256);
  const uriOf = (k: string) => `s3://${bucket}/${k}`;
  const where = (k: string) => `artifact ${uriOf(k)}`;

  const s3Error = (k: string, verb: string, err: unknown) =>
    new FerryError(`${where(k)}: ${verb} failed: ${(err as Error).name}: ${(err as Error).message}; check FERRY_ARTIFACTS, AWS_ENDPOINT_URL_S3 and the credentials (AWS_ACCESS_KEY_ID)`, { cause: err });

  /** Whether the bucket holds `k` with this sha256 already (so uploading again is skipped). */
  async function holds(k: string, sha256: string): Promise<boolean> {
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: k }));
      return head.Metadata?.sha256 === sha256;
    } catch (err) {
      if (isMissing(err)) return false;
      throw s3Error(k, 'HEAD', err);
    }
  }

  async function uploadFile(k: string, file: string, sha256: string): Promise<void> {
    if (await holds(k, sha256)) return;
    try {
      await new Upload({ client, params: { Bucket: bucket, Key: k, Body: createReadStream(file), Metadata: { sha256 }, ContentType: 'application/octet-stream' } }).done();
    } catch (err) {
      throw s3Error(k, 'upload', err);
    }
  }

  /** Downloads `k` into the cache as the blob `sha256`, hashing it on the way; a mismatch is refused and nothing is kept. */
  async function download(k: string, sha256: string): Promise<string> {
    const cached = cache.blobPath(sha256);
    try {
      if (statSync(cached).isFile()) return cached;
    } catch {
      // not cached yet
    }
    let body: Readable;
    try {
      const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: k }));
      body = res.Body as Readable;
    } catch (err) {
      if (isMissing(err)) throw new FerryError(`${where(k)} is not in the bucket; the store was emptied or FERRY_ARTIFACTS points at another one than the worker that wrote it`);
      throw s3Error(k, 'download', err);
    }
    mkdirSync(dirname(cached), { recursive: true });
    const tmp = `${cached}.${process.pid}.${Date.now()}.download`;
    const hash = createHash('sha256');
    try {
      await pipeline(body, hashing(hash), createWriteStream(tmp));
    } catch (err) {
      rmSync(tmp, { force: true });
      throw s3Error(k, 'download', err);
    }
    const actual = hash.digest('hex');
    if (actual !== sha256) {
      rmSync(tmp, { force: true });
      throw new FerryError(`${where(k)}: downloaded bytes hash to sha256 ${actual}, the artifact is ${sha256}; the object was changed in the bucket — restore it or re-run the step that wrote it`);
    }
    return cache.adopt(sha256, tmp);
  }

  async function putTree(dir: string): Promise<StoredArtifact> {
    const entries: TreeEntry[] = [];
    for (const file of listTree(dir)) {
      const sha256 = await sha256File(file.file);
      await uploadFile(blobKey(sha256), file.file, sha256);
      entries.push({ path: file.path, sha256, size: file.size, ...(file.executable ? { executable: true } : {}) });
    }
    const bytes = manifestBytes(entries);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const k = treeKey(sha256);
    if (!(await holds(k, sha256))) {
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: bytes, Metadata: { sha256 }, ContentType: 'application/json' }));
      } catch (err) {
        throw s3Error(k, 'upload', err);
      }
    }
    return { sha256, uri: uriOf(k), size: entries.reduce((sum, e) => sum + e.size, 0), layout: 'tree' };
  }

  /** The key and sha256 an `s3://` URI of this store names, and whether it is a tree. */
  function parseUri(uri: string): { k: string; sha256: string; tree: boolean } {
    const prefix = `s3://${bucket}/${key()}${location.prefix ? '/' : ''}`;
    const rest = uri.startsWith(prefix) ? uri.slice(prefix.length) : undefined;
    const tree = rest && /^trees\/([0-9a-f]{64})$/.exec(rest);
    if (tree) return { k: treeKey(tree[1]!), sha256: tree[1]!, tree: true };
    const blob = rest && /^sha256\/[0-9a-f]{2}\/([0-9a-f]{64})$/.exec(rest);
    if (blob) return { k: blobKey(blob[1]!), sha256: blob[1]!, tree: false };
    throw new FerryError(`artifact ${uri} is not in this worker's artifact store (FERRY_ARTIFACTS=${options.url}); point every worker at the same store`);
  }

  return {
    location,
    async put(path: string): Promise<StoredArtifact> {
      if (statSync(path).isDirectory()) return putTree(path);
      const sha256 = await sha256File(path);
      const k = blobKey(sha256);
      await uploadFile(k, path, sha256);
      return { sha256, uri: uriOf(k), size: statSync(path).size };
    },
    async fetch(uri: string): Promise<string> {
      const { k, sha256, tree } = parseUri(uri);
      if (!tree) return download(k, sha256);
      const found = cache.find(sha256);
      if (found && found !== cache.blobPath(sha256)) return found;
      const manifest = parseManifest(readFileSync(await download(k, sha256)), where(k));
      for (const entry of manifest.files) await download(blobKey(entry.sha256), entry.sha256);
      return cache.materialize(sha256, manifest.files);
    },
    find: (sha256) => cache.find(sha256),
    manifest: (sha256) => cache.manifest(sha256),
  };
}

export { S3Client };
