import type { Command } from 'commander';
import { collect, format } from '../options.js';

/** What starts runs without a person: `ferry webhook` (GitHub pushes) and `ferry schedule …` (Temporal Schedules). */
export function declareTriggers(program: Command): void {
  // Triggers: the push webhook and Temporal Schedules.
  program
    .command('webhook')
    .description('serve POST /hooks/git for GitHub push events (X-Hub-Signature-256 checked with FERRY_WEBHOOK_SECRET); starts pipelines/*.ts whose on.push.branches match')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8090')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .action(async (opts) => (await import('../commands/webhook.js')).webhook(opts));

  const scheduleCmd = program.command('schedule').description('run pipelines on an interval through Temporal Schedules');
  scheduleCmd
    .command('add')
    .description('schedule a pipeline; the validated spec is frozen now (edit the file, then remove and add again)')
    .argument('<pipeline-file>', 'a pipeline definition, e.g. pipelines/hello.ts')
    .requiredOption('--every <duration>', 'interval between runs, e.g. 1d, 12h, 30m')
    .option('--id <name>', 'schedule id (default <pipeline>-every-<duration>)')
    .option('--ref <git-ref>', "git ref each run integrates (default the pipeline's repo.ref, resolved at each run)")
    .option('--param <key=value>', 'override a pipeline param (repeatable)', collect, [])
    .addOption(format())
    .action(async (file, opts) => (await import('../commands/schedule.js')).scheduleAdd(file, opts));
  scheduleCmd
    .command('list')
    .description("Ferry's schedules with their next run times")
    .addOption(format())
    .action(async (opts) => (await import('../commands/schedule.js')).scheduleList(opts));
  scheduleCmd
    .command('remove')
    .description('delete a schedule (runs it already started go on)')
    .argument('<id>', 'the schedule id (see ferry schedule list)')
    .addOption(format())
    .action(async (id, opts) => (await import('../commands/schedule.js')).scheduleRemove(id, opts));
}
