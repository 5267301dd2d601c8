import type { Command } from 'commander';

/**
 * One or more examples per command, shown at the end of its `--help`. Keyed by the command's path without `ferry`
 * (`''` is `ferry` itself, `'schedule add'` a subcommand). test/cli/version-and-help.test.ts fails for a command without one.
 */
export const EXAMPLES: Record<string, string[]> = {
  '': ['npx ferry demo', 'npx ferry dev', 'npx ferry run pipelines/hello.ts --wait', 'npx ferry status'],
  init: ['npx ferry init', 'npx ferry init churn --python', 'npx ferry init . --python --name churn'],
  dev: ['npx ferry dev', 'npx ferry dev --task-queue gpu'],
  worker: ['TEMPORAL_ADDRESS=temporal.internal:7233 DATABASE_URL=postgres://ferry@db/ferry npx ferry worker', 'npx ferry worker --task-queue gpu'],
  migrate: ['DATABASE_URL=postgres://ferry@db/ferry npx ferry migrate'],
  run: ['npx ferry run pipelines/hello.ts --wait', 'npx ferry run pipelines/penguins.ts --param trees=80 --ref main --format json'],
  status: ['npx ferry status', 'npx ferry status penguins-1a2b3c --watch', 'npx ferry status --limit 5 --format json'],
  demo: ['npx ferry demo', 'npx ferry demo --keep', 'npx ferry demo --reset'],
  drift: ['npx ferry drift --reference train.csv --current today.csv', 'npx ferry drift --reference a.csv --current b.csv --method psi --format html --out drift.html'],
  policy: ['npx ferry policy check pipelines/churn.ts'],
  'policy check': ['npx ferry policy check pipelines/churn.ts', 'npx ferry policy check pipelines/churn.ts --phase promote --env production'],
  users: ['npx ferry users add alice --role approver --group ml-leads', 'npx ferry users list'],
  'users add': ['npx ferry users add alice --role approver --group ml-leads --slack-id U0123ABCD'],
  'users grant': ['FERRY_TOKEN=… npx ferry users grant alice approver'],
  'users revoke': ['FERRY_TOKEN=… npx ferry users revoke alice approver'],
  'users join': ['FERRY_TOKEN=… npx ferry users join alice ml-leads'],
  'users leave': ['FERRY_TOKEN=… npx ferry users leave alice ml-leads'],
  'users list': ['npx ferry users list', 'npx ferry users list --format json'],
  'users disable': ['FERRY_TOKEN=… npx ferry users disable alice'],
  'users enable': ['FERRY_TOKEN=… npx ferry users enable alice'],
  'users token': ['FERRY_TOKEN=… npx ferry users token alice'],
  'users key': ['FERRY_TOKEN=… npx ferry users key'],
  login: ['FERRY_TOKEN=… npx ferry login'],
  slack: ['SLACK_SIGNING_SECRET=… SLACK_BOT_TOKEN=xoxb-… npx ferry slack --port 3000'],
  models: ['npx ferry models', 'npx ferry models penguins --limit 10'],
  model: ['npx ferry model penguins@production', 'npx ferry model penguins@2 --format json'],
  card: ['npx ferry card penguins@2', 'npx ferry card penguins@production --format html --out card.html'],
  lineage: ['npx ferry lineage penguins@2', 'npx ferry lineage penguins@production --format mermaid'],
  experiments: ['npx ferry experiments penguins', 'npx ferry experiments penguins --limit 5 --format json'],
  audit: ['npx ferry audit --model penguins --since 7d', 'npx ferry audit --action deployment.*'],
  'audit verify': ['npx ferry audit verify', 'npx ferry audit verify --no-anchor'],
  serve: ['npx ferry serve --port 8080', 'npx ferry serve --config ferry.config.ts --host 0.0.0.0'],
  incidents: ['npx ferry incidents --status open', 'npx ferry incidents ack 3 --reason "looking into it"'],
  monitor: ['npx ferry monitor history penguins --env production'],
  'monitor history': ['npx ferry monitor history penguins --env production', 'npx ferry monitor history penguins --env canary --limit 10 --json'],
  approve: ['FERRY_TOKEN=… npx ferry approve penguins-1a2b3c --env production --comment "metrics reviewed"'],
  reject: ['FERRY_TOKEN=… npx ferry reject penguins-1a2b3c --reason "fairness by island too low"'],
  approvals: ['npx ferry approvals'],
  rollback: ['npx ferry rollback penguins --env production', 'npx ferry rollback penguins --to 1 --reason "drift after release"'],
  cancel: ['npx ferry cancel penguins-1a2b3c'],
  mlflow: ['MLFLOW_TRACKING_URI=http://127.0.0.1:5000 npx ferry mlflow sync'],
  'mlflow sync': ['MLFLOW_TRACKING_URI=http://127.0.0.1:5000 npx ferry mlflow sync --format json'],
  webhook: ['FERRY_WEBHOOK_SECRET=… npx ferry webhook --port 8090'],
  schedule: ['npx ferry schedule add pipelines/penguins.ts --every 1d', 'npx ferry schedule list'],
  'schedule add': ['npx ferry schedule add pipelines/penguins.ts --every 1d --param trees=80'],
  'schedule list': ['npx ferry schedule list'],
  'schedule remove': ['npx ferry schedule remove penguins-every-1d'],
  reproduce: ['npx ferry reproduce penguins@1'],
  export: ['npx ferry export iris-python@production --format mlflow --out ./iris-mlflow', 'npx ferry export penguins@1 --format raw --out ./penguins-v1'],
};

/** Every command below `program`, as `[path, command]` (the program itself first, as `''`). */
export function allCommands(program: Command, prefix = ''): [string, Command][] {
  return [[prefix, program], ...program.commands.flatMap((c) => allCommands(c, prefix ? `${prefix} ${c.name()}` : c.name()))];
}

/** Adds each command's examples to the end of its `--help`. */
export function addExamples(program: Command): void {
  for (const [path, command] of allCommands(program)) {
    const lines = EXAMPLES[path];
    if (lines) command.addHelpText('after', `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ ${l}`).join('\n')}`);
  }
}
