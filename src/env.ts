import { z } from 'zod';
import { UsageError } from './core/errors.js';

/** The environment Ferry reads, validated once. Unset means "use the embedded default". */
const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port, e.g. localhost:7233').optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').optional(),
  FERRY_HOME: z.string().min(1).default('.ferry'),
  FERRY_TOKEN: z.string().min(1).optional(),
  /** No longer signs anything (decisions and run starts use per-person Ed25519 keys); read only so old set-ups still parse. */
  FERRY_SIGNING_KEY: z.string().min(1).optional(),
  /** Where a person's private signing keys live (default $XDG_CONFIG_HOME/ferry or ~/.config/ferry); never inside FERRY_HOME. */
  FERRY_CONFIG_DIR: z.string().min(1).optional(),
  /** Command steps run as this unprivileged OS user (the worker runs as root): see activities/step-isolation.ts. */
  FERRY_STEP_USER: z.string().min(1).optional(),
  FERRY_WEBHOOK_SECRET: z.string().min(1).optional(),
  FERRY_SERVE_URL: z.string().url().optional(),
  FERRY_TASK_QUEUE: z.string().min(1).default('ferry'),
  SLACK_BOT_TOKEN: z.string().optional(),
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_APP_TOKEN: z.string().optional(),
  SLACK_API_URL: z.string().url().optional(),
  TEMPORAL_CLI: z.string().min(1).optional(),
});

export type FerryEnv = z.infer<typeof envSchema>;

/** Reads and validates Ferry's environment variables; an invalid one is a usage error naming the variable. */
export function readEnv(source: NodeJS.ProcessEnv = process.env): FerryEnv {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`environment variable ${issue.path.join('.')}: ${issue.message}; fix or unset it`);
  }
  return parsed.data;
}
