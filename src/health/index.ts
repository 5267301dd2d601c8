// Outside services (Slack, alert receivers, deploy targets) as this process sees them: degraded is logged, retried and
// shown in `ferry status`, never fatal.
export { failureReason, isUnreachable } from './failure.js';
export { guardProcess, watchProcessHealth, type ProcessHealthOptions } from './process.js';
export { degradedLines, publishServiceHealth, readServiceHealth, type HealthFile } from './report.js';
export { outsideService, reportFailure, reportUp, serviceStates, tracked, type ServiceState } from './state.js';
export { tcpProbe, watchService, type WatchOptions } from './watch.js';
