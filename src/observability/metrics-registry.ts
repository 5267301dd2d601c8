import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's one Prometheus registry: Ferry's metrics plus Node's process metrics. Worker and model server share
 * it when they run in one process (`ferry dev`), so each metric is registered exactly once.
 */
export const metricsRegistry = new Registry();

collectDefaultMetrics({ register: metricsRegistry });

/** The content type Prometheus expects from `/metrics`. */
export const metricsContentType = metricsRegistry.contentType;
