// Ferry's layers, checked by `npm run lint` (ARCHITECTURE.md explains them). From the bottom up:
//   core (src/core: zod and itself)  <  db, the libraries in src/  <  activities  <  runtime (worker construction,
//   the dev stack)  <  cli, demo, bin.  workflows/ sit beside them and import only core, each other and Temporal's
//   workflow packages (activities as types, through proxyActivities).
// A rule's name is what a failing lint prints: keep names stable, the tests in test/architecture assert them.

/** Upper layers: nothing below them imports them. */
const CLI = '^src/cli/';
const DEMO = '^src/demo/';
const RUNTIME = '^src/(worker-host|dev-stack|stack)\\.ts$|^src/temporal/worker\\.ts$';
/** Entry points and tooling that may import anything. */
const OUTSIDE = '^(bin|test|bench|scripts)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-no-node-api',
      comment: 'src/core is what workflows import: a Node built-in there breaks the workflow sandbox. Do it in an activity.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'core-only-zod',
      comment: 'src/core imports only zod and itself, so everything in it is safe in workflow code.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { dependencyTypesNot: ['core'], pathNot: '^(src/core/|node_modules/zod/)' },
    },
    {
      name: 'workflow-activities-type-only',
      comment: 'Workflows call activities through proxyActivities; import them with `import type`.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: '^activities/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflow-imports-core-only',
      comment: 'Workflow code is replayed: it imports src/core, other workflow files and Temporal\'s workflow packages only.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: {
        pathNot: '^(workflows/|src/core/|activities/|node_modules/(zod|@temporalio/(workflow|common|interceptors-opentelemetry))/)',
      },
    },
    {
      name: 'no-cycles',
      comment: 'An import cycle ties two modules into one: move what both need into a third.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'db-at-the-bottom',
      comment: 'src/db holds the schema and the connection: it imports core and packages, nothing of Ferry above it.',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^(src|activities|workflows)/', pathNot: '^src/(db|core)/' },
    },
    {
      name: 'activities-by-value-only-from-runtime',
      comment: 'Activities run inside a worker: only worker construction (src/temporal/worker.ts) imports them by value.',
      severity: 'error',
      from: { path: '^(src|workflows)/', pathNot: RUNTIME },
      to: { path: '^activities/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'runtime-is-upper',
      comment: 'The worker host and dev stack sit near the top: only the CLI, the demo and the runtime itself import them.',
      severity: 'error',
      from: { pathNot: `${CLI}|${DEMO}|${RUNTIME}|${OUTSIDE}` },
      to: { path: RUNTIME },
    },
    {
      name: 'demo-is-upper',
      comment: 'The demo is a program: only the CLI starts it.',
      severity: 'error',
      from: { pathNot: `${CLI}|${DEMO}|${OUTSIDE}` },
      to: { path: DEMO },
    },
    {
      name: 'cli-is-the-top',
      comment: 'The CLI turns options into calls and errors into output: nothing below it imports it.',
      severity: 'error',
      from: { pathNot: `${CLI}|${OUTSIDE}` },
      to: { path: CLI },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|migrations|\\.ferry|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
