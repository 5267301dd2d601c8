import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { signDecision } from '../../src/auth/attest.js';
import { addToGroup, createUser, grantRole } from '../../src/auth/users.js';
import type { Db } from '../../src/db/client.js';
import { definePredictor, defineStep } from '../../src/dsl/ferry-config.js';

/** A trainer whose "model" is its params: deterministic, with a training reference for drift checks. */
export const trainStep = defineStep('lc.train', z.object({ quality: z.number(), sleepMs: z.number().default(0) }), async (ctx, { quality, sleepMs }) => {
  if (sleepMs) await new Promise((r) => setTimeout(r, sleepMs));
  writeFileSync(join(ctx.outputDir, 'model.json'), JSON.stringify({ quality, seed: ctx.seed }));
  writeFileSync(join(ctx.outputDir, 'reference.csv'), `x\n${Array.from({ length: 200 }, (_, i) => (i % 20) / 2).join('\n')}\n`);
  return { metrics: { accuracy: quality }, artifacts: { model: 'model.json', reference: 'reference.csv' } };
});

/** Serves `{ label }` from x; a model trained with quality < 0.5 fails every prediction (a bad canary). */
export const predictor = definePredictor('lc-model', (file) => {
  const model = JSON.parse(readFileSync(file, 'utf8')) as { quality: number };
  return (rows) =>
    rows.map((row) => {
      if (model.quality < 0.5) throw new Error('model broken');
      return { label: Number(row.x) > 5 ? 'big' : 'small' };
    });
});

export interface Person {
  name: string;
  groups: string[];
  roles: string[];
}

/** The people of the lifecycle tests: alice writes and triggers runs; bob, carol and dave lead; eve approves elsewhere. */
export async function seedPeople(db: Db): Promise<Record<string, Person>> {
  const people: Record<string, Person> = {
    alice: { name: 'alice', groups: ['ml-team'], roles: ['engineer'] },
    bob: { name: 'bob', groups: ['ml-leads'], roles: ['approver'] },
    carol: { name: 'carol', groups: ['ml-leads'], roles: ['approver'] },
    dave: { name: 'dave', groups: ['ml-leads'], roles: ['approver'] },
    eve: { name: 'eve', groups: ['risk'], roles: ['approver'] },
  };
  for (const person of Object.values(people)) {
    await createUser(db, { name: person.name, by: 'test' });
    for (const role of person.roles) await grantRole(db, { user: person.name, role, by: 'test' });
    for (const group of person.groups) await addToGroup(db, { user: person.name, group, by: 'test' });
  }
  return people;
}

/** The FerryUser shape `decide` takes. */
export function asUser(person: Person) {
  return { name: person.name, displayName: null, slackUserId: null, roles: person.roles as never, groups: person.groups };
}

export { signDecision };
