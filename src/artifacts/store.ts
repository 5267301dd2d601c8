import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FerryError } from '../core/errors.js';
import { listTree, manifestBytes, parseManifest, type TreeEntry } from './tree.js';

export interface StoredArtifact {
  /** sha256 of the file's bytes; for a directory, of its tree manifest (src/artifacts/tree.ts). */
  sha256: string;
  /** Where it is: a file, or for a directory the directory rebuilt from its manifest. */
  uri: string;
  /** Bytes; for a directory, of all its files. */
  size: number;
  /** `tree` for a directory stored as a manifest of per-file hashes; absent for a single file. */
  layout?: 'tree';
}

/**
 * What every artifact store offers, whichever holds the bytes (`file://` on this machine, `s3://` in a bucket): `put`
 * stores a file or directory by content, `fetch` gives a local path for a stored artifact's URI (downloaded into the
 * worker's cache and checked against its hash first when the store is remote).
 */
export interface ArtifactStore {
  put(path: string): Promise<StoredArtifact>;
  fetch(uri: string): Promise<string>;
  /** Local path of an artifact by its sha256 if this machine holds it already (a tree's directory for a tree). */
  find(sha256: string): string | undefined;
  /** The manifest of a tree this machine holds. */
  manifest(sha256: string): ReturnType<typeof parseManifest>;
}

/** sha256 (hex) of a file's bytes, streamed. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}

/**
 * A content-addressed artifact store on the local file system: blobs at `file://<root>/sha256/ab/abcd…`, and each
 * stored directory rebuilt, read-only, at `<root>/trees/<manifest sha256>/` from its manifest and blobs.
 */
export function createFileStore(root: string) {
  const base = resolve(root);
  const pathOf = (sha256: string) => join(base, 'sha256', sha256.slice(0, 2), sha256);
  const treeOf = (sha256: string) => join(base, 'trees', sha256);

  /** Writes a blob by its sha256 unless the store has it (write then rename: never a half-written blob). */
  const putBlob = (sha256: string, write: (tmp: string) => void) => {
    const target = pathOf(sha256);
    if (!existsSync(target)) {
      mkdirSync(dirname(target), { recursive: true });
      const tmp = `${target}.${process.pid}.tmp`;
      write(tmp);
      renameSync(tmp, target);
    }
    return target;
  };

  /** Rebuilds a stored tree's directory from its manifest (once; a complete directory is renamed into place). */
  const materialize = (sha256: string, files: readonly TreeEntry[]) => {
    const dir = treeOf(sha256);
    if (existsSync(dir)) return dir;
    const build = `${dir}.${process.pid}.tmp`;
    rmSync(build, { recursive: true, force: true });
    for (const entry of files) {
      const target = join(build, ...entry.path.split('/'));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(pathOf(entry.sha256), target);
      chmodSync(target, entry.executable ? 0o555 : 0o444);
    }
    mkdirSync(build, { recursive: true });
    try {
      renameSync(build, dir);
    } catch (err) {
      rmSync(build, { recursive: true, force: true });
      if (!existsSync(dir)) throw err; // else another process finished first
    }
    return dir;
  };

  async function putTree(dir: string): Promise<StoredArtifact> {
    const entries: TreeEntry[] = [];
    for (const file of listTree(dir)) {
      const sha256 = await sha256File(file.file);
      putBlob(sha256, (tmp) => copyFileSync(file.file, tmp));
      entries.push({ path: file.path, sha256, size: file.size, ...(file.executable ? { executable: true } : {}) });
    }
    const bytes = manifestBytes(entries);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    putBlob(sha256, (tmp) => writeFileSync(tmp, bytes));
    const tree = materialize(sha256, entries);
    return { sha256, uri: pathToFileURL(tree).href, size: entries.reduce((sum, e) => sum + e.size, 0), layout: 'tree' };
  }

  return {
    /** Moves a file whose sha256 the caller has checked into the store (a no-op when the store has it already). */
    adopt(sha256: string, tmp: string): string {
      const target = pathOf(sha256);
      mkdirSync(dirname(target), { recursive: true });
      if (existsSync(target)) rmSync(tmp, { force: true });
      else renameSync(tmp, target);
      return target;
    },
    /** Where a blob is kept, whether or not it is there yet. */
    blobPath: pathOf,
    materialize,
    /** Stores a file by its content, or a directory as a tree of content-addressed files; storing the same twice is a no-op. */
    async put(path: string): Promise<StoredArtifact> {
      if (statSync(path).isDirectory()) return putTree(path);
      const sha256 = await sha256File(path);
      const target = putBlob(sha256, (tmp) => copyFileSync(path, tmp));
      return { sha256, uri: pathToFileURL(target).href, size: statSync(target).size };
    },
    /** Local path of a stored artifact by its sha256 (a tree's directory for a tree), if this store holds it. */
    find(sha256: string): string | undefined {
      if (existsSync(treeOf(sha256))) return treeOf(sha256);
      const path = pathOf(sha256);
      return existsSync(path) ? path : undefined;
    },
    /** The manifest of a stored tree, read from its blob. */
    manifest(sha256: string) {
      const path = pathOf(sha256);
      return parseManifest(readFileSync(path), `artifact ${sha256.slice(0, 12)}`);
    },
    /** Local path of a stored artifact's URI. */
    localPath(uri: string): string {
      return fileURLToPath(uri);
    },
    async fetch(uri: string): Promise<string> {
      if (!uri.startsWith('file://')) throw new FerryError(`artifact ${uri}: this worker's artifact store is ${pathToFileURL(base).href} (FERRY_ARTIFACTS); point every worker at the same store`);
      const path = fileURLToPath(uri);
      if (!existsSync(path)) throw new FerryError(`artifact ${uri} is not on this machine; with workers on several machines set FERRY_ARTIFACTS=s3://bucket/prefix on every one`);
      return path;
    },
  } satisfies ArtifactStore & Record<string, unknown>;
}

export type FileStore = ReturnType<typeof createFileStore>;
