import { allowedTaskQueues, maxDriftThreshold } from 'ferry';

/**
 * Platform limits: steps run only on the queues the platform operates (Ferry's own and the GPU pool), and drift
 * alarms may not be configured laxer than half the features drifting.
 */
export default [allowedTaskQueues(['ferry', 'gpu']), maxDriftThreshold(0.5)];
