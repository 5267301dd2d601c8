import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
  };
}

export type ArtifactStore = ReturnType<typeof createFileStore>;
