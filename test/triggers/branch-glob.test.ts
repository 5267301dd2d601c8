import { describe, expect, it } from 'vitest';
import { matchesBranch } from '../../src/triggers/branch-glob.js';

describe('on.push.branches patterns', () => {
  it.each([
    ['main', 'main', true],
    ['main', 'main2', false],
    ['release/*', 'release/1.2', true],
    ['release/*', 'release/1/hotfix', false],
    ['release/**', 'release/1/hotfix', true],
    ['v?.x', 'v1.x', true],
    ['v?.x', 'v1-x', false],
    ['feature-(a)', 'feature-(a)', true],
  ])('%s matches %s: %s', (pattern, branch, expected) => {
    expect(matchesBranch(pattern, branch)).toBe(expected);
  });
});
