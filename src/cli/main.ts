import { Command, Option } from 'commander';
import { FerryError } from '../errors.js';

/**
 * The `ferry` command line: this file only declares commands; each action loads `commands/<name>.ts` on demand,
 * and the one catch below turns every error into a one-line message and an exit code (2 usage, 1 failed run).
 */
const program = new Command('ferry')
  .description('Durable ML lifecycles on Temporal')
  .option('--verbose', 'print stack traces and debug logs')
  .showHelpAfterError('(run "ferry --help" for usage)')
  .exitOverride();

const format = () => new Option('--format <format>', 'output format').choices(['text', 'json']).default('text');
const collect = (value: string, previous: string[]) => [...previous, value];

program
  .command('dev')
  .description('start the Temporal dev server (with its Web UI), embedded Postgres and a worker in one process')
  .option('--task-queue <queue>', 'task queue of the worker')
  .action(async (opts) => (await import('./commands/dev.js')).dev(opts));

program
  .command('worker')
  .description('run a worker against TEMPORAL_ADDRESS / DATABASE_URL (or a running ferry dev); scale out by starting more')
  .option('--task-queue <queue>', 'task queue to poll (e.g. gpu for steps declared with taskQueue: "gpu")')
  .option('--config <file>', 'ferry.config.ts with the step functions to register')
  .action(async (opts) => (await import('./commands/worker.js')).worker(opts));

program
  .command('migrate')
  .description('apply pending database migrations (also done at start-up)')
  .action(async () => (await import('./commands/migrate.js')).migrateCommand());

program
  .command('run')
  .description('validate a pipeline definition and start a run of it')
  .argument('<pipeline-file>', 'a pipeline definition, e.g. pipelines/hello.ts')
  .option('--ref <git-ref>', 'git ref to integrate instead of the pipeline\'s repo.ref')
  .option('--param <key=value>', 'override a pipeline param (repeatable)', collect, [])
  .option('--wait', 'wait for the run to finish and print its stages')
  .addOption(format())
  .action(async (file, opts) => (await import('./commands/run.js')).run(file, opts));

program
  .command('status')
  .description('list recent runs, or show one run stage by stage')
  .argument('[run]', 'a run (workflow) id')
  .option('--limit <n>', 'how many runs to list', '20')
  .addOption(format())
  .action(async (run, opts) => (await import('./commands/status.js')).status(run, opts));

program
  .command('demo')
  .description('run the example end to end on the embedded defaults')
  .option('--reset', 'start from an empty FERRY_HOME')
  .action(async (opts) => (await import('./commands/demo.js')).demo(opts));

program
  .command('drift')
  .description('compare two CSV windows column by column (JSON on stdout)')
  .requiredOption('--reference <file>', 'reference window (CSV with a header row)')
  .requiredOption('--current <file>', 'current window (CSV with a header row)')
  .option('--method <method>', 'auto|ks|psi|wasserstein|jensenshannon|chisquare|z', 'auto')
  .addOption(new Option('--format <format>', 'output format').choices(['json', 'text', 'html']).default('json'))
  .option('--out <file>', 'write the report to a file instead of stdout')
  .action(async (opts) => (await import('./commands/drift.js')).driftCommand(opts));

async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    const e = err as Error & { code?: string; exitCode?: number };
    if (e.code?.startsWith('commander.')) {
      // commander already printed the message; help and version are not errors.
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 2;
    }
    const verbose = program.opts<{ verbose?: boolean }>().verbose;
    process.stderr.write(`ferry: ${e.message}\n`);
    if (verbose && e.stack) process.stderr.write(`${e.stack}\n`);
    return err instanceof FerryError ? err.exitCode : 1;
  }
}

// Exit explicitly: a lingering handle (a gRPC channel, a pool) must not keep a finished command alive.
process.exit(await main(process.argv));
