import { relative } from 'node:path';
import { initProject } from '../../init/scaffold.js';
import { printJson } from '../output.js';

/** `ferry init [dir] [--python]`: scaffolds a project and says what to type next. */
export async function init(dir: string, opts: { python?: boolean; name?: string; format: string }): Promise<void> {
  const result = initProject(dir, { python: opts.python, name: opts.name });
  if (opts.format === 'json') return printJson(result);
  const where = relative(process.cwd(), result.dir) || '.';
  const lines = [
    `Scaffolded ${opts.python ? 'a Python (scikit-learn)' : 'a TypeScript'} Ferry project in ${where}: ${result.written.join(', ')}`,
    ...result.notes,
    '',
    'Next:',
    ...(where === '.' ? [] : [`  cd ${where}`]),
    ...(result.packageJson === 'written' ? ['  npm install'] : []),
    '  git init -q 2>/dev/null; git add -A && git commit -m "Ferry project"   # a run integrates a commit',
    '  npx ferry dev                                  # keep it running',
    `  npx ferry run ${result.pipeline} --wait        # in another terminal`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
