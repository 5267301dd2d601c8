import { definePolicy, requireApproval, requireGates } from 'ferry';

/**
 * A pipeline that deploys to production has a no-regression gate (the new model may not be worse than the one serving)
 * and needs a production approval from at least one member of ml-leads who is not its author.
 */
export default definePolicy({
  name: 'production-safety',
  description: 'production deploys need a no-regression gate and an approval by an ml-lead other than the author',
  rules: [
    requireGates({ envs: ['production'], kinds: ['no-regression'] }),
    requireApproval({ env: 'production', minRequired: 1, groups: ['ml-leads'], separationOfDuties: true }),
  ],
});
