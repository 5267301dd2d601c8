import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { models, modelVersions } from '../../src/db/schema/index.js';
import type { Db } from '../../src/db/client.js';
import { definePredictor } from '../../src/dsl/ferry-config.js';

/** A toy model artifact: `y = slope·x + intercept`, or a predictor that throws `fail`. */
export interface ToyArtifact {
  slope: number;
  intercept: number;
  fail?: string;
}

/** The test predictor: reads the JSON artifact, predicts `slope·x + intercept` per record. */
export const toyPredictor = (model: string) =>
  definePredictor(model, (file) => {
    const a = JSON.parse(readFileSync(file, 'utf8')) as ToyArtifact;
    return (rows) => {
      if (a.fail) throw new Error(a.fail);
      return rows.map((r) => a.slope * Number(r.x) + a.intercept);
    };
  });

/** Registers `model` versions with JSON artifacts in a temp dir, straight into the registry tables. */
export async function registerToyVersions(db: Db, model: string, artifacts: Record<number, ToyArtifact>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-toy-'));
  mkdirSync(dir, { recursive: true });
  await db.insert(models).values({ name: model }).onConflictDoNothing();
  for (const [version, artifact] of Object.entries(artifacts)) {
    const file = join(dir, `v${version}.json`);
    writeFileSync(file, JSON.stringify(artifact));
    await db.insert(modelVersions).values({
      model,
      version: Number(version),
      metrics: {},
      sourceWorkflowId: `test-${model}-${version}-${Math.random().toString(36).slice(2)}`,
      pipeline: 'test',
      specHash: 'test',
      commit: '0'.repeat(40),
      params: {},
      seed: 0,
      artifactSha256: '0'.repeat(64),
      artifactUri: pathToFileURL(file).href,
    });
  }
}
