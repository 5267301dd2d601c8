import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, renameSync, statSync, copyFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface StoredArtifact {
  sha256: string;
  uri: string;
  size: number;
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

/** A content-addressed artifact store on the local file system (`file://<FERRY_HOME>/artifacts/sha256/ab/abcd…`). */
export function createFileStore(root: string) {
  const base = resolve(root);
  const pathOf = (sha256: string) => join(base, 'sha256', sha256.slice(0, 2), sha256);
  return {
    /** Stores a file by its content; storing the same bytes twice is a no-op. */
    async put(file: string): Promise<StoredArtifact> {
      const sha256 = await sha256File(file);
      const target = pathOf(sha256);
      if (!existsSync(target)) {
        mkdirSync(dirname(target), { recursive: true });
        const tmp = `${target}.${process.pid}.tmp`;
        copyFileSync(file, tmp);
        renameSync(tmp, target);
      }
      return { sha256, uri: pathToFileURL(target).href, size: statSync(target).size };
    },
    /** Local path of a stored artifact by its sha256, if this store holds it. */
    find(sha256: string): string | undefined {
      const path = pathOf(sha256);
      return existsSync(path) ? path : undefined;
    },
    /** Local path of a stored artifact's URI. */
    localPath(uri: string): string {
      return fileURLToPath(uri);
    },
  };
}

export type ArtifactStore = ReturnType<typeof createFileStore>;
