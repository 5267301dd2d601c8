import { definePolicy } from '../define.js';
import type { Policy } from '../types.js';

/**
 * Maximum drift threshold: `monitor.maxDriftShare` may not exceed `max`; with `requireMonitor`, a pipeline that
 * deploys must also declare a monitor.
 * @example maxDriftThreshold(0.3, { requireMonitor: true })
 */
export function maxDriftThreshold(max: number, options: { requireMonitor?: boolean; name?: string } = {}): Policy {
  return definePolicy({
    name: options.name ?? 'max-drift-threshold',
    description: `drift alarms fire at a drifted-feature share of ${max} or less`,
    check(spec) {
      if (!spec.monitor) {
        return options.requireMonitor && spec.deploy.length > 0
          ? [{ message: `a pipeline that deploys needs a monitor with maxDriftShare ≤ ${max}; add monitor: { maxDriftShare: ${max} }`, path: 'monitor' }]
          : [];
      }
      return spec.monitor.maxDriftShare > max
        ? [{ message: `monitor.maxDriftShare is ${spec.monitor.maxDriftShare}; at most ${max} is allowed`, path: 'monitor.maxDriftShare' }]
        : [];
    },
  });
}
