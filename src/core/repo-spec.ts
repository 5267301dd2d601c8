import { z } from 'zod';

/** A full commit SHA (SHA-1 or SHA-256 repositories), the form a run pins. */
export function isCommitSha(ref: string): boolean {
  return /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(ref);
}

/**
 * Why a repository URL may not appear in a pipeline, or undefined when it may. Credentials belong to the worker's git
 * configuration (a credential helper, SSH keys), never to a pipeline file that every run records: a password, or any
 * user part of an http(s) URL (where tokens go), is refused.
 */
export function repoUrlProblem(url: string): string | undefined {
  const scp = /^([^/\s@]+@)?[^/\s:]+:(?!\/\/)/.test(url) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url);
  if (scp) return url.slice(0, url.indexOf(':')).includes(':') ? 'embeds a password' : undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(url);
  if (!scheme) return 'expected a git URL such as https://git.example.com/team/repo.git, ssh://git@host/repo.git, git@host:repo.git or file:///srv/git/repo.git';
  const protocol = scheme[1]!.toLowerCase();
  if (!['https', 'http', 'ssh', 'git', 'file'].includes(protocol)) return `protocol ${protocol}:// is not supported; use https, ssh, git or file`;
  const authority = scheme[2]!;
  const at = authority.lastIndexOf('@');
  if (at < 0) return undefined;
  const userinfo = authority.slice(0, at);
  if (userinfo.includes(':') || protocol === 'https' || protocol === 'http') {
    return 'embeds credentials; remove them from the URL and give the worker access through its git configuration (a credential helper or SSH keys)';
  }
  return undefined;
}

/**
 * Where a pipeline's code comes from: a repository `url` that each worker fetches into its own mirror (production), or
 * a local `path` (`ferry dev`, default `.`). `ref` is resolved to a commit when the run is submitted.
 */
export const repoSpecSchema = z
  .strictObject({
    path: z.string().min(1).default('.'),
    /** A git URL (https, ssh, git, file); the commit is resolved at submission and pinned in the run's input. */
    url: z
      .string()
      .min(1)
      .superRefine((url, ctx) => {
        const problem = repoUrlProblem(url);
        // The URL itself is left out of the message when it may hold a secret.
        if (problem) ctx.addIssue({ code: 'custom', message: problem.startsWith('embeds') ? `the URL ${problem}` : `${JSON.stringify(url)}: ${problem}` });
      })
      .optional(),
    ref: z.string().min(1).default('HEAD'),
    allowDirty: z.boolean().default(false),
  })
  .superRefine((repo, ctx) => {
    if (repo.url && repo.path !== '.') ctx.addIssue({ code: 'custom', message: 'set either url (a remote repository) or path (a local one), not both', path: ['path'] });
  })
  .default({ path: '.', ref: 'HEAD', allowDirty: false });

export type RepoSpec = z.infer<typeof repoSpecSchema>;
