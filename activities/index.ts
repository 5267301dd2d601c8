import type { ActivityDeps } from './deps.js';
import { createIntegrateActivities } from './integrate.js';
import { createRunActivities } from './runs.js';
import { createStepActivities } from './steps.js';

export type { ActivityDeps } from './deps.js';

/** Every activity a Ferry worker registers, built from injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createRunActivities(deps),
    ...createIntegrateActivities(deps),
    ...createStepActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
