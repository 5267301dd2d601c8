import { definePolicy } from 'ferry';

/** Who answers for a production model: a pipeline that deploys to production names its owner. */
export default definePolicy({
  name: 'production-owner',
  description: 'pipelines that deploy to production name an owner',
  check: (spec) =>
    spec.deploy.some((d) => d.env === 'production') && !spec.owner
      ? [{ message: 'a pipeline that deploys to production names its owner; add owner: "<team or person>"', path: 'owner' }]
      : [],
});
