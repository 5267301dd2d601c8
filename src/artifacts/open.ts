import { S3Client } from '@aws-sdk/client-s3';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FerryError } from '../core/errors.js';
import type { FerryEnv } from '../settings.js';
import { createS3Store } from './s3.js';
import { createFileStore, type ArtifactStore } from './store.js';

/** The variables that choose and reach the artifact store. */
export type ArtifactEnv = Pick<FerryEnv, 'FERRY_HOME' | 'FERRY_ARTIFACTS' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY' | 'AWS_SESSION_TOKEN' | 'AWS_REGION' | 'AWS_ENDPOINT_URL_S3'>;

/**
 * The artifact store this process uses, from `FERRY_ARTIFACTS`: unset, the embedded file store under
 * `$FERRY_HOME/artifacts`; `file:///path`, a file store there; `s3://bucket/prefix`, the bucket, with downloads cached
 * under `$FERRY_HOME/cache/artifacts`. Credentials are the AWS SDK's usual ones (the `AWS_*` variables, else its
 * default chain: profile, instance role); `AWS_ENDPOINT_URL_S3` points it at an S3-compatible server (path-style).
 */
export function openArtifactStore(env: ArtifactEnv): ArtifactStore {
  const home = resolve(env.FERRY_HOME);
  const url = env.FERRY_ARTIFACTS;
  if (!url) return createFileStore(resolve(home, 'artifacts'));
  if (url.startsWith('file://')) return createFileStore(fileURLToPath(url));
  if (!url.startsWith('s3://')) throw new FerryError(`FERRY_ARTIFACTS=${url}: expected s3://bucket/prefix or file:///absolute/path (unset: ${resolve(home, 'artifacts')})`, { exitCode: 2 });
  const credentials = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } : undefined;
  const client = new S3Client({
    region: env.AWS_REGION ?? 'us-east-1',
    ...(credentials ? { credentials } : {}),
    ...(env.AWS_ENDPOINT_URL_S3 ? { endpoint: env.AWS_ENDPOINT_URL_S3, forcePathStyle: true } : {}),
  });
  return createS3Store({ url, client, cacheDir: resolve(home, 'cache', 'artifacts') });
}
