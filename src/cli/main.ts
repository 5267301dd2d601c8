import { Command, Option } from 'commander';
import { FerryError } from '../core/errors.js';
import { errorLine } from './error-message.js';
import { FERRY_VERSION } from '../package-info.js';
import { addExamples } from './examples.js';
import { collect, format } from './options.js';
import { declareTriggers } from './program/triggers.js';
import { declareUsers } from './program/users.js';
import { defaultEnv } from '../settings.js';

/**
 * The `ferry` command line: this file only declares commands; each action loads `commands/<name>.ts` on demand,
 * and the one catch below turns every error into a one-line message and an exit code (2 usage, 1 failed run).
 */
export const program = new Command('ferry')
  .description('Durable ML lifecycles on Temporal')
  .version(FERRY_VERSION, '-V, --version', "print Ferry's version")
  .option('--verbose', 'print stack traces and debug logs')
  .showHelpAfterError('(run "ferry --help" for usage)')
  .exitOverride();


program
  .command('init')
  .description('scaffold a Ferry project that runs at once: package.json, ferry.config.ts, a pipeline, its steps, policies/ (writes only new files)')
  .argument('[dir]', 'project directory (created if missing)', '.')
  .option('--python', 'Python steps: train.py / evaluate.py (scikit-learn) with a pinned requirements.txt and a unit test')
  .option('--name <name>', "pipeline and model name (default: the directory's name)")
  .addOption(format())
  .action(async (dir, opts) => (await import('./commands/init.js')).init(dir, opts));

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
  .option('--watch', 'redraw the run\'s stages, durations and step progress until it finishes')
  .option('--interval <ms>', 'how often --watch refreshes', '1000')
  .addOption(format())
  .action(async (run, opts) => (await import('./commands/status.js')).status(run, opts));

program
  .command('demo')
  .description('run the penguins example through the whole lifecycle on the embedded defaults')
  .option('--keep', "continue from the previous demo's data in FERRY_HOME/demo instead of starting from an empty one")
  .option('--reset', 'remove the demo\'s data (FERRY_HOME/demo) and exit; your own runs in FERRY_HOME stay')
  .action(async (opts) => {
    // The demo narrates what happens; expected failures (a canary refused, an alias not there yet) stay in the UI.
    defaultEnv('FERRY_LOG_LEVEL', 'error');
    return (await import('./commands/demo.js')).demo(opts);
  });

program
  .command('drift')
  .description('compare two windows (CSV or Parquet) column by column (JSON on stdout)')
  .requiredOption('--reference <file>', 'reference window (CSV with a header row, or Parquet)')
  .requiredOption('--current <file>', 'current window (CSV with a header row, or Parquet)')
  .option('--method <method>', 'auto|ks|psi|wasserstein|jensenshannon|chisquare|z', 'auto')
  .addOption(new Option('--format <format>', 'output format').choices(['json', 'text', 'html']).default('json'))
  .option('--out <file>', 'write the report to a file instead of stdout')
  .option('--fail-on-drift', 'exit 1 when the dataset drifted (after writing the report), e.g. in CI')
  .action(async (opts) => (await import('./commands/drift.js')).driftCommand(opts));

// Governance: policies, users and the Slack app.
const policyCmd = program.command('policy').description('policies as code (policies/*.ts)');
policyCmd
  .command('check')
  .description('check a pipeline definition against policies/*.ts without running it (exit 1 on a violation)')
  .argument('<pipeline-file>', 'a pipeline definition, e.g. pipelines/hello.ts')
  .addOption(new Option('--phase <phase>', 'check as at submission or at promotion').choices(['submit', 'promote']).default('submit'))
  .option('--env <env>', 'environment being promoted to (with --phase promote)')
  .addOption(format())
  .action(async (file, opts) => (await import('./commands/policy.js')).policyCheck(file, opts));

declareUsers(program);

program
  .command('login')
  .description('with FERRY_TOKEN set: make your signing key (in ~/.config/ferry or FERRY_CONFIG_DIR) and register its public key')
  .addOption(format())
  .action(async (opts) => (await import('./commands/users.js')).login(opts));

program
  .command('slack')
  .description('run the Slack approval app alone (SLACK_SIGNING_SECRET + SLACK_BOT_TOKEN, or SLACK_APP_TOKEN for Socket Mode)')
  .option('--port <port>', 'HTTP port for Slack requests', '3000')
  .action(async (opts) => (await import('./commands/slack.js')).slack(opts));

program
  .command('models')
  .description("list registered models, or one model's versions")
  .argument('[name]', 'a model name')
  .option('--limit <n>', 'how many versions to list (newest first)', '50')
  .addOption(format())
  .action(async (name, opts) => (await import('./commands/models.js')).models(name, opts));

program
  .command('model')
  .description('a version: metrics, gates, lineage summary, approvals, deployments (its model card: ferry card <ref>)')
  .argument('<ref>', '<name>@<version|alias>, e.g. churn@3 or churn@production')
  // `model card <ref>` is the form before `ferry card`; it still works (see commands/model.ts).
  .argument('[card-ref]', 'after the word card (older form of ferry card): the version whose model card to render')
  .addOption(new Option('--format <format>', 'output format: text|json (md|html|json after the word card)').default('text'))
  .option('--out <file>', 'after the word card: write the card to a file')
  .action(async (ref, cardRef, opts) => (await import('./commands/model.js')).modelOrCard(ref, cardRef, opts));

program
  .command('card')
  .description("a version's model card (data, metrics, gates, model risk, approvals) as Markdown, HTML or JSON")
  .argument('<ref>', '<name>@<version|alias>, e.g. churn@3 or churn@production')
  .addOption(new Option('--format <format>', 'output format').choices(['md', 'html', 'json']).default('md'))
  .option('--out <file>', 'write the card to a file instead of stdout')
  .action(async (ref, opts) => (await import('./commands/model-card.js')).modelCard(ref, opts));

program
  .command('lineage')
  .description('where a model version came from (commit, datasets, params, seed, runs) and where it went (deployments)')
  .argument('<ref>', '<name>@<version|alias>, e.g. churn@3')
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'mermaid', 'dot']).default('text'))
  .action(async (ref, opts) => (await import('./commands/lineage.js')).lineage(ref, opts));

program
  .command('experiments')
  .description("a pipeline's runs side by side: params and metrics")
  .argument('<pipeline>', 'a pipeline name')
  .option('--limit <n>', 'how many runs (the newest)', '20')
  .addOption(format())
  .action(async (pipeline, opts) => (await import('./commands/experiments.js')).experiments(pipeline, opts));

const auditCmd = program
  .command('audit')
  .description('read the hash-chained audit log (the newest records, oldest first); "audit verify" checks the chain')
  .option('--model <name>', 'records about this model')
  .option('--since <when>', 'ISO date/time, or a duration ago such as 24h or 7d')
  .option('--actor <name>', 'records by this actor')
  .option('--action <action>', 'an action, or a prefix such as deployment.*')
  .option('--limit <n>', 'how many records', '50')
  .addOption(format())
  .action(async (opts) => (await import('./commands/audit.js')).audit(opts));

auditCmd
  .command('verify')
  .description('recompute the hash chain and compare it with the checkpoints anchored in Temporal: exit 0 when intact, 1 naming the first broken record or missing range')
  .option('--no-anchor', 'check the chain in Postgres only (no Temporal needed)')
  // `audit` owns --format (commander hands it options given after the subcommand too): read it from there.
  .action(async (_opts, cmd: Command) => (await import('./commands/audit.js')).auditVerify(cmd.optsWithGlobals()));

program
  .command('serve')
  .description('run the model server: serves the versions deployments route to, logs every prediction to Postgres')
  .option('--port <port>', 'port to listen on (0 picks a free one)', '8080')
  .option('--host <host>', 'interface to listen on', '127.0.0.1')
  .option('--config <file>', 'ferry.config.ts with the predictors (definePredictor)')
  .option('--refresh-ms <ms>', 'how often to re-read the serving routes', '1000')
  .action(async (opts) => (await import('./commands/serve.js')).serve(opts));

program
  .command('incidents')
  .description('list incidents, or acknowledge / resolve one (audited)')
  .argument('[action]', 'ack | resolve')
  .argument('[id]', 'incident id')
  .addOption(new Option('--status <status>', 'only incidents in this status').choices(['open', 'acknowledged', 'resolved']))
  .option('--model <name>', 'only incidents of this model')
  .option('--limit <n>', 'how many to list', '50')
  .option('--by <name>', 'who acknowledges / resolves: must be you, the user FERRY_TOKEN authenticates (the default)')
  .option('--reason <text>', 'why, for the audit log')
  .addOption(format())
  .action(async (action, id, opts) => (await import('./commands/incidents.js')).incidentsCommand(action, id, opts));

const monitorCmd = program.command('monitor').description("a model's monitor: what it checked");
monitorCmd
  .command('history')
  .description('every recorded check of a monitor: time, rules, values, and what each shadow rule would have done')
  .argument('<model>', 'the model')
  .requiredOption('--env <env>', 'the environment the monitor watches', 'production')
  .option('--limit <n>', 'how many checks, newest first', '50')
  .option('--json', 'JSON on stdout (same as --format json)')
  .addOption(format())
  .action(async (model, opts) => (await import('./commands/monitor-history.js')).monitorHistoryCommand(model, opts));

program
  .command('approve')
  .description('approve a run waiting for approval (signed, validated by the run, audited)')
  .argument('<run>', 'the run (workflow) id')
  .option('--env <env>', 'the environment (default: the one the run waits for)')
  .option('--comment <text>', 'why, for the audit log')
  .addOption(format())
  .action(async (run, opts) => (await import('./commands/approve.js')).approve(run, opts));

program
  .command('reject')
  .description('reject a run waiting for approval')
  .argument('<run>', 'the run (workflow) id')
  .option('--env <env>', 'the environment (default: the one the run waits for)')
  .option('--reason <text>', 'why (required)')
  .addOption(format())
  .action(async (run, opts) => (await import('./commands/approve.js')).reject(run, opts));

program
  .command('approvals')
  .description('runs waiting for approval, their age and who may approve')
  .addOption(format())
  .action(async (opts) => (await import('./commands/approvals.js')).approvals(opts));

program
  .command('rollback')
  .description('roll a model back in an environment (durable, audited)')
  .argument('<model>', 'the registry model name')
  .option('--env <env>', 'the environment', 'production')
  .option('--to <version>', 'the version to return to (default: the one before the current)')
  .option('--reason <text>', 'why, for the alias history and the audit log')
  .addOption(format())
  .action(async (model, opts) => (await import('./commands/rollback.js')).rollback(model, opts));

program
  .command('cancel')
  .description('cancel a run at a safe point; its compensations run')
  .argument('<run>', 'the run (workflow) id')
  .option('--wait <seconds>', 'how long to wait for the run to stop and compensate', '30')
  .option('--terminate', 'if it has not stopped by then, terminate it (ends it for certain; no compensation runs)')
  .action(async (run, opts) => (await import('./commands/cancel.js')).cancel(run, opts));

declareTriggers(program);

program
  .command('reproduce')
  .description('re-run what produced a registered version (commit, data, params, seed) and compare the artifact')
  .argument('<ref>', '<name>@<version|alias>, e.g. penguins@1')
  .addOption(format())
  .action(async (ref, opts) => (await import('./commands/reproduce.js')).reproduce(ref, opts));

program
  .command('export')
  .description('write a registered version out: an MLflow model directory (mlflow.pyfunc.load_model), or the artifact as it is')
  .argument('<ref>', '<name>@<version|alias>, e.g. iris@production')
  .requiredOption('--out <dir>', 'a new or empty directory to write it to')
  .addOption(new Option('--format <format>', 'mlflow (an MLflow model directory) or raw (the registered artifact as it is)').choices(['mlflow', 'raw']).default('mlflow'))
  .option('--json', 'print what was written as JSON')
  .action(async (ref, opts) => (await import('./commands/export.js')).exportCommand(ref, opts));

program
  .command('mlflow')
  .description('the MLflow mirror (MLFLOW_TRACKING_URI): runs, versions and aliases as MLflow shows them')
  .command('sync')
  .description('mirror into MLflow now (workers also do it every 10 s); reports aliases moved by hand in MLflow')
  .addOption(format())
  .action(async (opts) => (await import('./commands/mlflow.js')).mlflowSync(opts));

addExamples(program);

/** Parses `argv` and runs the command; resolves to the exit code (bin/ferry.mjs exits with it). */
export async function main(argv: string[]): Promise<number> {
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
    process.stderr.write(`ferry: ${errorLine(err)}\n`);
    if (verbose && e.stack) process.stderr.write(`${e.stack}\n`);
    return err instanceof FerryError ? err.exitCode : 1;
  }
}
