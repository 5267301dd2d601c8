/**
 * Whether a branch matches an `on.push.branches` pattern. Patterns are simple globs, as in GitHub Actions:
 * `*` matches within one path segment, `**` across segments, `?` one character; anything else is literal.
 * @example matchesBranch('release/*', 'release/1.2') // true
 * @example matchesBranch('release/*', 'release/1/hotfix') // false — use 'release/**'
 */
export function matchesBranch(pattern: string, branch: string): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`).test(branch);
}

/** Whether any pattern matches the branch. */
export function matchesAnyBranch(patterns: readonly string[], branch: string): boolean {
  return patterns.some((p) => matchesBranch(p, branch));
}
