import { resetDemo, runDemo } from '../../demo/run-demo.js';
import { readEnv } from '../../settings.js';
import { FerryError, UsageError } from '../../core/errors.js';
import { say } from '../output.js';

/** `ferry demo`: the penguins example through the whole lifecycle on the embedded defaults, in FERRY_HOME/demo. */
export async function demo(opts: { keep?: boolean; reset?: boolean }): Promise<void> {
  if (opts.keep && opts.reset) throw new UsageError('ferry demo: --keep continues from the previous demo, --reset removes its data; give one of them');
  if (opts.reset) return resetDemo(readEnv(), say);
  const result = await runDemo({ env: readEnv(), keep: opts.keep, say });
  if (!result.auditOk) throw new FerryError('demo: the audit chain did not verify');
}
