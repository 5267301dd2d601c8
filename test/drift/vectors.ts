import { existsSync } from 'node:fs';

/**
 * The scipy reference vectors: the workplace's shared copy beside the repository when it is there (what outside checks
 * use), else the copy committed with the tests, so a clone on its own still checks every vector.
 */
export const VECTORS_URL = existsSync(new URL('../../../shared/data/scipy-vectors.json', import.meta.url))
  ? new URL('../../../shared/data/scipy-vectors.json', import.meta.url)
  : new URL('./fixtures/scipy-vectors.json', import.meta.url);
