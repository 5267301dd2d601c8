import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import type { Db } from '../../src/db/client.js';
import { artifacts, modelVersions } from '../../src/db/schema/index.js';

export interface ActivityRun {
  workflowId: string;
  activity: string;
  /** The pipeline step (`runStep` activities), else ''. */
  step: string;
  attempt: number;
  /** The worker whose identity (`<pid>@<host>`) completed it. */
  worker: string;
}

/**
 * Every completed activity of the runs, from their Temporal histories: which worker completed it and on which attempt.
 * A completed activity that ran again after a restart would show as a second completion or a later attempt.
 */
export async function whoRanWhat(client: Client, workflowIds: string[], workerOfPid: Map<number, string>): Promise<ActivityRun[]> {
  const out: ActivityRun[] = [];
  for (const workflowId of workflowIds) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const byId = new Map((history.events ?? []).map((e) => [Number(e.eventId), e]));
    for (const event of history.events ?? []) {
      const done = event.activityTaskCompletedEventAttributes;
      if (!done) continue;
      const scheduled = byId.get(Number(done.scheduledEventId))!.activityTaskScheduledEventAttributes!;
      const startedEvent = byId.get(Number(done.startedEventId))!.activityTaskStartedEventAttributes!;
      const activity = scheduled.activityType!.name!;
      let step = '';
      if (activity === 'runStep') {
        const payload = scheduled.input!.payloads![0]!;
        step = (JSON.parse(Buffer.from(payload.data!).toString('utf8')) as { step: { id: string } }).step.id;
      }
      const pid = Number(startedEvent.identity!.split('@')[0]);
      out.push({ workflowId, activity, step, attempt: startedEvent.attempt ?? 1, worker: workerOfPid.get(pid) ?? startedEvent.identity! });
    }
  }
  return out;
}

async function sha256Of(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
}

export type ObjectReader = (uri: string) => Promise<AsyncIterable<Uint8Array>>;

/** The bytes behind a `file://` URI; `s3://` ones are read by the reader the test passes (the S3 server's own API). */
export const fileReader: ObjectReader = async (uri) => createReadStream(fileURLToPath(uri));

/**
 * Every artifact the registry knows (the `artifacts` table and each model version's artifact), with the sha256 of the
 * object its URI names, read back from the store itself.
 */
export async function checkArtifacts(db: Db, read: ObjectReader): Promise<{ kind: string; uri: string; sha256: string; actual: string }[]> {
  const rows = await db.select({ kind: artifacts.kind, uri: artifacts.uri, sha256: artifacts.sha256 }).from(artifacts);
  const versions = await db.select({ uri: modelVersions.artifactUri, sha256: modelVersions.artifactSha256, version: modelVersions.version }).from(modelVersions);
  const all = [...rows, ...versions.map((v) => ({ kind: `model v${v.version}`, uri: v.uri, sha256: v.sha256 }))];
  return Promise.all(all.map(async (a) => ({ ...a, actual: await sha256Of(await read(a.uri)) })));
}
