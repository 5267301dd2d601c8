import { z } from 'zod';

/**
 * The fields Ferry reads from a GitHub-style `push` event (GitHub sends many more; they are ignored, not rejected).
 * The schema is the single source of truth for the type.
 */
export const pushEventSchema = z.object({
  ref: z.string().regex(/^refs\/[^/]+\/.+$/, 'expected a full git ref such as "refs/heads/main"'),
  after: z.string().regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/, 'expected the pushed commit sha (40 or 64 lower-case hex digits)'),
  /** A branch deletion: nothing to build. */
  deleted: z.boolean().default(false),
  repository: z.object({
    full_name: z.string().min(1, 'expected "owner/name"'),
    clone_url: z.string().optional(),
  }),
  pusher: z.object({ name: z.string().min(1) }).optional(),
  sender: z.object({ login: z.string().min(1) }).optional(),
});

export type PushEvent = z.infer<typeof pushEventSchema>;

/** GitHub's delivery GUID; restricted to id-safe characters because it becomes part of workflow ids. */
export const deliveryIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'expected the delivery GUID GitHub sends (letters, digits and dashes)');

/** The branch a push ref names (`refs/heads/release/1.2` → `release/1.2`); tags and other refs → undefined. */
export function branchOf(ref: string): string | undefined {
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
}

/** Who pushed: the pusher's name, else the sender's login, else "github". */
export function pusherOf(event: PushEvent): string {
  return event.pusher?.name ?? event.sender?.login ?? 'github';
}
