/**
 * `ferry init [dir] [--python]`: a project that runs at once — package.json with Ferry, ferry.config.ts, a pipeline,
 * its steps (TypeScript, or Python scripts with a pinned requirements.txt and a unit test), a policy, a .gitignore
 * that keeps `.ferry/` out of git, and a README of the next commands. It writes only new files: an existing file
 * (package.json aside, which it completes) stops it before anything is written.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { findPackageRoot } from '../package-info.js';
import { churnCsv, EVALUATE_PY, PYTHON_REQUIREMENTS, TEST_TRAIN_PY, TRAIN_PY } from './python-template.js';
import { pointsCsv, tsFiles } from './ts-template.js';

export interface InitOptions {
  python?: boolean;
  /** Pipeline (and model) name; default: the directory's name as a slug. */
  name?: string;
}

export interface InitResult {
  dir: string;
  name: string;
  pipeline: string;
  written: string[];
  /** What was done to an existing package.json, if anything. */
  packageJson: 'written' | 'completed' | 'kept';
  notes: string[];
}

/** The directory's name as a pipeline name: lower-case letters, digits and dashes, starting with a letter. */
export function projectSlug(dir: string): string {
  const slug = basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '').slice(0, 40);
  return slug || 'my-model';
}

function pythonPipeline(name: string): string {
  return `import { approval, command, definePipeline, gate } from 'ferry';

/**
 * ${name}: a scikit-learn classifier trained, evaluated, registered, approved and served (MLServer, behind Ferry's
 * model server) by Ferry. The steps are the Python scripts beside package.json; each runs in a venv Ferry builds from
 * requirements.txt.
 */
export default definePipeline({
  name: '${name}',
  owner: 'ml-team',
  datasets: [{ name: 'train', path: 'data/train.csv' }], // hashed at integration; FERRY_DATASET_TRAIN in the steps
  params: { trees: 50 }, // FERRY_PARAMS; override with: npx ferry run pipelines/${name}.ts --param trees=80
  seed: 7, // FERRY_SEED
  build: [command('unit-tests', 'python -m unittest discover -s tests', { requirements: 'requirements.txt', timeout: '20m' })],
  train: command('train', 'python train.py', { outputs: 'out/train', artifacts: { reference: 'reference.csv' }, requirements: 'requirements.txt', timeout: '30m' }),
  evaluate: {
    step: command('evaluate', 'python evaluate.py', { outputs: 'out/evaluate', requirements: 'requirements.txt' }),
    gates: [gate.min('accuracy', 0.75), gate.noRegression('f1', { tolerance: 0.02 })],
  },
  // MLServer serves the model directory train.py writes; predict through Ferry's model server:
  // curl -X POST <model server>/v1/models/${name}/predict -d '{"inputs": [{"tenure_months": 3, "monthly_charges": 95, "support_calls": 4}]}'
  deploy: [{ env: 'production', approval: approval(), target: 'mlserver' }],
});
`;
}

const POLICY = `import { definePolicy } from 'ferry';

/** Nothing reaches production without a person's approval. Policies in policies/ apply to every ferry run here. */
export default definePolicy({
  name: 'production-needs-approval',
  description: 'a deploy to production names an approval',
  check: (spec) =>
    spec.deploy
      .map((d, i) => ({ d, i }))
      .filter(({ d }) => d.env === 'production' && !d.approval)
      .map(({ i }) => ({ message: 'a deploy to production needs an approval; add approval: approval()', path: \`deploy.\${i}.approval\` })),
});
`;

const GITIGNORE = `# Ferry's local state: dev database, artifacts, run workspaces and logs
.ferry/
node_modules/
out/
__pycache__/
*.pyc
`;

function readme(name: string, python: boolean): string {
  return `# ${name}

A model whose lifecycle Ferry runs: ${python ? '`train.py` trains a scikit-learn classifier on `data/train.csv`, `evaluate.py` scores it, `tests/` unit-tests it' : '`steps/train.ts` fits a line to `data/points.csv`, `steps/predictor.ts` serves it'}; \`pipelines/${name}.ts\` takes it from commit to a served model.

\`\`\`sh
git add -A && git commit -m "Ferry project"   # a run integrates a commit
npx ferry dev                                  # Temporal + UI, embedded Postgres, model server, worker (keep it running)
npx ferry run pipelines/${name}.ts --wait       # in another terminal
npx ferry approvals                            # what waits for an approval; then: npx ferry approve <run>
npx ferry models ${name}                        # the registry
npx ferry reproduce ${name}@1                   # same commit, data, params and seed → the same artifact?
\`\`\`
${python ? `
The scripts run on their own too: \`python -m venv .venv && .venv/bin/pip install -r requirements.txt && .venv/bin/python train.py\`.
What Ferry passes them (\`FERRY_PARAMS\`, \`FERRY_SEED\`, \`FERRY_DATASET_TRAIN\`, \`FERRY_MODEL\`, \`FERRY_OUTPUT_DIR\`, …) is
Ferry's step contract (its README, "The step contract").
` : ''}`;
}

/** The Ferry dependency a new package.json names: the package this CLI runs from, as a file: path. */
function ferryDependency(dir: string): string {
  const root = findPackageRoot(dirname(new URL(import.meta.url).pathname), 'ferry')?.root;
  return root ? `file:${relative(dir, root) || '.'}` : '*';
}

/** Completes (or writes) package.json so the project's TypeScript loads as ES modules and Ferry is a dependency. */
function packageJson(dir: string, name: string, notes: string[]): { text?: string; outcome: InitResult['packageJson'] } {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) {
    return {
      outcome: 'written',
      text: `${JSON.stringify({ name, private: true, type: 'module', scripts: { dev: 'ferry dev' }, devDependencies: { ferry: ferryDependency(dir) } }, null, 2)}\n`,
    };
  }
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`${file}: not valid JSON (${(err as Error).message}); fix it or remove it, then run ferry init again`);
  }
  const deps = { ...(pkg.dependencies as object), ...(pkg.devDependencies as object) } as Record<string, string>;
  if (!deps.ferry) notes.push(`package.json does not list ferry; add it: npm install --save-dev <Ferry's git URL or tarball>`);
  if (pkg.type === undefined) {
    notes.push('package.json: added "type": "module" (pipelines, ferry.config.ts and policies are ES modules)');
    return { outcome: 'completed', text: `${JSON.stringify({ ...pkg, type: 'module' }, null, 2)}\n` };
  }
  if (pkg.type !== 'module') notes.push(`package.json has "type": "${String(pkg.type)}"; Ferry loads pipelines as ES modules: set "type": "module" there`);
  return { outcome: 'kept' };
}

/** Scaffolds a Ferry project in `dir` (created if needed). */
export function initProject(dirArg: string, options: InitOptions = {}): InitResult {
  const dir = resolve(dirArg);
  const name = options.name ?? projectSlug(dir);
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new UsageError(`--name: "${name}" is not a pipeline name; use lower-case letters, digits and dashes, starting with a letter`);
  const pipeline = `pipelines/${name}.ts`;
  const files: Record<string, string> = options.python
    ? {
        'ferry.config.ts': `import { defineConfig } from 'ferry';\n\n// Step functions and predictors written in TypeScript go here; this project's steps are Python scripts.\nexport default defineConfig({});\n`,
        [pipeline]: pythonPipeline(name),
        'train.py': TRAIN_PY,
        'evaluate.py': EVALUATE_PY,
        'requirements.txt': PYTHON_REQUIREMENTS,
        'tests/test_train.py': TEST_TRAIN_PY,
        'data/train.csv': churnCsv(),
      }
    : { ...tsFiles(name), 'data/points.csv': pointsCsv() };
  Object.assign(files, { 'policies/production-needs-approval.ts': POLICY, '.gitignore': GITIGNORE, 'README.md': readme(name, options.python === true) });

  for (const path of Object.keys(files)) {
    if (existsSync(join(dir, path))) {
      throw new UsageError(`${join(dirArg, path)} already exists; ferry init writes only new files: move it away or init another directory (ferry init <dir>)`);
    }
  }
  const notes: string[] = [];
  const pkg = packageJson(dir, name, notes);
  mkdirSync(dir, { recursive: true });
  if (pkg.text) writeFileSync(join(dir, 'package.json'), pkg.text);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return { dir, name, pipeline, written: [...(pkg.outcome === 'written' ? ['package.json'] : []), ...Object.keys(files)], packageJson: pkg.outcome, notes };
}
