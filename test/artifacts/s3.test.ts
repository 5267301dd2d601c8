import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { openArtifactStore } from '../../src/artifacts/open.js';
import { command, definePipeline, gate } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { getVersion } from '../../src/registry/index.js';
import { reproduce } from '../../src/runs/reproduce.js';
import { startRun } from '../../src/runs/start.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';
import { listTree } from '../../src/artifacts/tree.js';
import { startMinio, type MinioServer } from '../../src/provision/minio.js';

// The S3 artifact store against a real MinIO server the test starts (built with go install once, cached in
// ~/.cache/ferry/minio): no mock of S3 anywhere.

let minio: MinioServer;
let root: string;
let client: S3Client;
const bucket = 'ferry-test';

/** What a worker with its own FERRY_HOME and these variables uses. */
const storeFor = (home: string) =>
  openArtifactStore({ FERRY_HOME: home, FERRY_ARTIFACTS: `s3://${bucket}/runs`, AWS_ACCESS_KEY_ID: minio.accessKey, AWS_SECRET_ACCESS_KEY: minio.secretKey, AWS_REGION: minio.region, AWS_ENDPOINT_URL_S3: minio.endpoint });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ferry-s3-'));
  minio = await startMinio({ dataDir: join(root, 'minio') });
  client = new S3Client({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true, credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
}, 600_000);

afterAll(async () => {
  await minio?.stop();
  client?.destroy();
  rmSync(root, { recursive: true, force: true });
});

const keyOf = (uri: string) => uri.slice(`s3://${bucket}/`.length);

describe('S3 artifact store (MinIO)', () => {
  it('round-trips a file between two workers, re-uploads idempotently and refuses a tampered object', async () => {
    const writer = storeFor(join(root, 'w1'));
    const reader = storeFor(join(root, 'w2'));
    const file = join(root, 'metrics.bin');
    // Above lib-storage's 5 MiB part size, so the upload is multipart and streamed.
    const bytes = Buffer.alloc(6 * 1024 * 1024 + 17, 7);
    bytes.write('ferry', 1000);
    writeFileSync(file, bytes);
    const stored = await writer.put(file);
    expect(stored.uri).toMatch(/^s3:\/\/ferry-test\/runs\/sha256\/[0-9a-f]{2}\/[0-9a-f]{64}$/);
    const again = await writer.put(file);
    expect(again).toEqual(stored);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(stored.uri) }));
    expect(head.Metadata?.sha256).toBe(stored.sha256);

    const local = await reader.fetch(stored.uri);
    expect(local.startsWith(join(root, 'w2', 'cache', 'artifacts'))).toBe(true);
    expect(readFileSync(local).equals(bytes)).toBe(true);

    // Tampered in the bucket behind Ferry's back: a worker without the blob cached refuses it, keeping nothing.
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: keyOf(stored.uri), Body: Buffer.from('not the model'), Metadata: { sha256: stored.sha256 } }));
    const third = storeFor(join(root, 'w3'));
    await expect(third.fetch(stored.uri)).rejects.toThrow(/downloaded bytes hash to sha256 [0-9a-f]{64}, the artifact is [0-9a-f]{64}; the object was changed in the bucket/);
    expect(third.find(stored.sha256)).toBeUndefined();
  }, 300_000);

  it('stores a model directory as a tree and rebuilds it bit-identically on another worker', async () => {
    const dir = join(root, 'model');
    mkdirSync(join(dir, 'nested'), { recursive: true });
    writeFileSync(join(dir, 'MLmodel'), 'flavors: {}\n');
    writeFileSync(join(dir, 'nested', 'weights.bin'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31) % 256)));
    writeFileSync(join(dir, 'predict.sh'), '#!/bin/sh\necho ok\n');
    chmodSync(join(dir, 'predict.sh'), 0o755);
    const stored = await storeFor(join(root, 'w1')).put(dir);
    expect(stored).toMatchObject({ layout: 'tree', uri: `s3://${bucket}/runs/trees/${stored.sha256}` });
    // The object the URI names is the manifest, and it hashes to the artifact's sha256.
    const manifest = Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(stored.uri) }))).Body!.transformToByteArray());
    expect(createHash('sha256').update(manifest).digest('hex')).toBe(stored.sha256);

    const rebuilt = await storeFor(join(root, 'w4')).fetch(stored.uri);
    const files = (d: string) => listTree(d).map((f) => ({ path: f.path, executable: f.executable, bytes: readFileSync(f.file).toString('base64') }));
    expect(files(rebuilt)).toEqual(files(dir));
    expect(statSync(join(rebuilt, 'predict.sh')).mode & 0o111).not.toBe(0);
  }, 300_000);
});

// Must show (#20): a command step's model directory round-trips through S3 bit-identically, and `ferry reproduce`
// verifies it on a worker other than the one that trained it. Two workers, each with its own FERRY_HOME, artifact
// cache and clone of the repository; nothing but the bucket and the database between them.
describe('two workers sharing only the S3 store', () => {
  let database: TestDatabase;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  const workers: Awaited<ReturnType<typeof startTestWorker>>[] = [];
  const taskQueue = uniqueQueue('s3-workers');
  const TRAIN = [
    'mkdir -p out/model/weights',
    'tr -s " " "\\n" < "$FERRY_DATASET_POINTS" | sort -n > out/model/weights/w.txt',
    'printf "{\\"seed\\": %s}" "$FERRY_SEED" > out/model/config.json',
    'echo "{\\"fit\\": 0.9}" > out/metrics.json',
  ].join(' && ');
  // The evaluate step reads the model the train step wrote: on a second worker it comes from the bucket.
  const EVALUATE = 'test -s "$FERRY_MODEL/weights/w.txt" && mkdir -p eval && echo "{\\"accuracy\\": 0.8}" > eval/metrics.json';
  const loaded = parsePipeline(
    definePipeline({
      name: 's3-tree',
      datasets: [{ name: 'points', path: 'data/points.txt' }],
      seed: 5,
      train: command('train', TRAIN, { outputs: 'out' }),
      evaluate: { step: command('evaluate', EVALUATE, { outputs: 'eval' }), gates: [gate.min('accuracy', 0.7)] },
    }),
    's3-tree.ts',
  );
  const workerAt = async (name: string, origin: string) => {
    const home = join(root, name);
    const clone = join(root, `${name}-repo`);
    execFileSync('git', ['clone', '-q', origin, clone]);
    const worker = await startTestWorker({ db: database.db, taskQueue, cwd: clone, home, extra: { store: storeFor(home) } });
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    database = await backends()[0]!.create();
    temporal = await testClient();
  }, 120_000);
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await temporal?.close();
    await database?.close();
  });

  it('trains on one worker and reproduces bit-identically on the other', async () => {
    const origin = makeRepo({ 'data/points.txt': '5 3 9 1 7\n' });
    const trainer = await workerAt('trainer', origin);
    const run = await startRun(temporal.client, loaded, { taskQueue, trigger: 'test', triggeredBy: 'alex' });
    const result = await run.result();
    expect(result.state).toBe('succeeded');
    const version = await getVersion(database.db, 's3-tree', 1);
    expect(version!.artifactUri).toBe(`s3://${bucket}/runs/trees/${version!.artifactSha256}`);
    await trainer.stop();

    const verifier = await workerAt('verifier', origin);
    // The model directory, rebuilt from the bucket in the verifier's own cache, is the trainer's byte for byte.
    const rebuilt = await verifier.deps.store.fetch(version!.artifactUri);
    expect(rebuilt.startsWith(join(root, 'verifier', 'cache', 'artifacts'))).toBe(true);
    const written = join(root, 'trainer', 'workspaces', run.workflowId, 'out', 'model');
    const files = (d: string) => listTree(d).map((f) => ({ path: f.path, bytes: readFileSync(f.file).toString('base64') }));
    expect(files(rebuilt)).toEqual(files(written));
    expect(readFileSync(join(rebuilt, 'weights', 'w.txt'), 'utf8')).toBe('1\n3\n5\n7\n9\n');

    const again = await reproduce({ client: temporal.client, db: database.db, taskQueue, actor: 'alex' }, 's3-tree', 1);
    expect(again).toMatchObject({ identical: true, registeredSha256: version!.artifactSha256, reproducedSha256: version!.artifactSha256 });
  }, 600_000);
});
