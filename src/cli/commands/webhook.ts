import { ensureKey } from '../../auth/signing-keys.js';
import { UsageError } from '../../core/errors.js';
import { watchProcessHealth } from '../../health/index.js';
import { originRepository } from '../../triggers/push-guard.js';
import { createWebhookServer } from '../../triggers/push-webhook.js';
import { say } from '../output.js';
import { openSession } from '../session.js';
import { envValue, secretFor } from '../../settings.js';

/** `ferry webhook`: serves `POST /hooks/git` for GitHub push events until interrupted. */
export async function webhook(opts: { port: string; host: string }): Promise<void> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${opts.port}: expected a port number (0-65535)`);
  const secret = secretFor('push').value;
  if (!secret) throw new UsageError('FERRY_PUSH_SECRET is not set and FERRY_WEBHOOK_SECRET is not set; set one to the secret configured on the GitHub webhook');
  const repository = envValue('FERRY_PUSH_REPOSITORY') ?? originRepository(process.cwd());
  const session = await openSession();
  const unwatch = watchProcessHealth({ home: session.env.FERRY_HOME, role: 'ferry webhook' });
  try {
    const hook = createWebhookServer({
      client: session.client,
      db: session.database.db,
      taskQueue: session.env.FERRY_TASK_QUEUE,
      projectDir: process.cwd(),
      secret,
      repository,
      mlflowSecret: envValue('FERRY_MLFLOW_WEBHOOK_SECRET'),
      signer: await ensureKey(session.database.db, 'webhook', 'service', { service: true, ferryHome: session.env.FERRY_HOME, by: 'webhook' }),
      log: say,
    });
    const url = await hook.listen(port, opts.host);
    say(`Push webhook listening at ${url}: point the repository's webhook (content type application/json, push events) at it`);
    say(repository ? `Pushes are accepted from ${repository} only.` : 'No origin remote and FERRY_PUSH_REPOSITORY unset: pushes from any repository signed with the secret are accepted; set FERRY_PUSH_REPOSITORY=owner/name');
    if (envValue('FERRY_MLFLOW_WEBHOOK_SECRET')) say(`MLflow registry webhook at ${url.replace(/\/hooks\/git$/, '/hooks/mlflow')} (create it in MLflow with the secret FERRY_MLFLOW_WEBHOOK_SECRET)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await hook.close();
  } finally {
    unwatch();
    await session.close();
  }
}
