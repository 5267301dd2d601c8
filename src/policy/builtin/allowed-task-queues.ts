import { definePolicy } from '../define.js';
import type { Policy } from '../types.js';

/**
 * Allowed task queues: every step that names a `taskQueue` must use one of `queues` (steps without one run on
 * Ferry's own queue). Keeps pipelines off machines they have no business on.
 * @example allowedTaskQueues(['ferry', 'gpu'])
 */
export function allowedTaskQueues(queues: string[], options: { name?: string } = {}): Policy {
  return definePolicy({
    name: options.name ?? 'allowed-task-queues',
    description: `steps run only on task queues ${queues.join(', ')}`,
    check(spec) {
      const steps = [
        ...spec.build.map((s, i) => ({ s, path: `build[${i}]` })),
        ...(spec.train ? [{ s: spec.train, path: 'train' }] : []),
        ...(spec.evaluate?.step ? [{ s: spec.evaluate.step, path: 'evaluate.step' }] : []),
      ];
      return steps
        .filter(({ s }) => s.taskQueue !== undefined && !queues.includes(s.taskQueue))
        .map(({ s, path }) => ({ message: `step "${s.id}" asks for task queue "${s.taskQueue}"; allowed: ${queues.join(', ')}`, path: `${path}.taskQueue` }));
    },
  });
}
