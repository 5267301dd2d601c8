/**
 * Model directories as hashed trees. A directory artifact (an MLflow model, a PyTorch checkpoint, a scikit-learn
 * bundle) is stored as its files, each content-addressed by sha256 like any file artifact, plus a manifest listing
 * them. The manifest is canonical JSON (RFC 8785), so the same files give the same bytes and the manifest's sha256 is
 * the artifact's sha256: one changed byte in one file changes it, and `ferry reproduce` compares trees the way it
 * compares files. Any store that holds blobs by sha256 (the file store here, an S3 prefix) holds trees the same way:
 * the manifest is one more blob, and a tree is rebuilt from it anywhere.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { FerryError } from '../core/errors.js';
import { firstIssue } from '../dsl/issues.js';

/** Format tag written into every manifest. */
export const TREE_FORMAT = 'ferry-tree/v1';

export const treeEntrySchema = z.strictObject({
  /** Path inside the tree, `/`-separated, no `.` or `..` segments. */
  path: z.string().min(1).refine((p) => !p.split('/').some((s) => s === '' || s === '.' || s === '..'), 'expected a relative path inside the tree'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().min(0),
  /** Whether the file is executable (a script in the bundle). */
  executable: z.boolean().optional(),
});

export const treeManifestSchema = z.strictObject({
  format: z.literal(TREE_FORMAT),
  files: z.array(treeEntrySchema),
});

export type TreeEntry = z.infer<typeof treeEntrySchema>;
export type TreeManifest = z.infer<typeof treeManifestSchema>;

/** The regular files under `dir`, with their paths relative to it; a symbolic link or a device is refused. */
export function listTree(dir: string): { path: string; file: string; size: number; executable: boolean }[] {
  const files: { path: string; file: string; size: number; executable: boolean }[] = [];
  const walk = (at: string) => {
    for (const name of readdirSync(at).sort()) {
      const file = join(at, name);
      const stat = lstatSync(file);
      const path = relative(dir, file).split(sep).join('/');
      if (stat.isDirectory()) walk(file);
      else if (stat.isFile()) files.push({ path, file, size: stat.size, executable: (stat.mode & 0o111) !== 0 });
      else throw new FerryError(`model directory ${dir}: ${path} is ${stat.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; write the file itself into the directory`);
    }
  };
  walk(dir);
  return files;
}

/** The manifest's canonical bytes: files sorted by path, so equal trees give equal bytes. */
export function manifestBytes(entries: readonly TreeEntry[]): Buffer {
  const files = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((e) => (e.executable ? e : { path: e.path, sha256: e.sha256, size: e.size }));
  return Buffer.from(canonicalize({ format: TREE_FORMAT, files } satisfies TreeManifest)!, 'utf8');
}

/** Parses a stored manifest, naming where it came from when it is not one. */
export function parseManifest(bytes: Buffer | string, where: string): TreeManifest {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString());
  } catch {
    throw new FerryError(`${where}: not a tree manifest (not JSON)`);
  }
  const parsed = treeManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error, json);
    throw new FerryError(`${where}: not a ${TREE_FORMAT} manifest (${issue.path}: ${issue.message})`);
  }
  return parsed.data;
}
