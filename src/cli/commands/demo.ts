import { runDemo } from '../../demo/run-demo.js';
import { readEnv } from '../../env.js';
import { FerryError } from '../../errors.js';
import { say } from '../output.js';

/** `ferry demo`: the penguins example through the whole lifecycle on the embedded defaults. */
export async function demo(opts: { keep?: boolean }): Promise<void> {
  const result = await runDemo({ env: readEnv(), keep: opts.keep, say });
  if (!result.auditOk) throw new FerryError('demo: the audit chain did not verify');
}
