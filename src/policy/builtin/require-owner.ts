import { definePolicy } from '../define.js';
import type { Policy } from '../types.js';

/**
 * Required owner: every pipeline names who answers for it.
 * @example requireOwner()
 */
export function requireOwner(options: { name?: string } = {}): Policy {
  return definePolicy({
    name: options.name ?? 'require-owner',
    description: 'every pipeline names its owner',
    check: (spec) => (spec.owner ? [] : [{ message: 'the pipeline names no owner; add owner: "<team or person>"', path: 'owner' }]),
  });
}
