import { Counter, Gauge, Histogram } from 'prom-client';
import type { PredictionLoggerStats } from '../serve/prediction-logger.js';
import { metricsRegistry } from './metrics-registry.js';

/** What a model server reports about itself at scrape time (`ModelServer.stats()`). */
export interface ServerStats {
  predictionLog: PredictionLoggerStats;
  servedRoutes: number;
  loadedVersions: number;
}

const registers = [metricsRegistry];
const servers = new Set<() => ServerStats>();
const total = (pick: (s: ServerStats) => number) => [...servers].reduce((sum, stats) => sum + pick(stats()), 0);

/** Prediction metrics the model server observes per request. */
export const serveMetrics = {
  predictions: new Counter({
    name: 'ferry_predictions_total',
    help: 'Prediction records served, by model, env and status (ok, error); rate() gives the prediction rate',
    labelNames: ['model', 'env', 'status'] as const,
    registers,
  }),
  latency: new Histogram({
    name: 'ferry_prediction_duration_seconds',
    help: 'Time to answer a predict request, routing and predictor included',
    labelNames: ['model', 'env'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  }),
};

// Counters read from the logger's own tallies at scrape time: reset and re-add keeps them monotonic per process.
function statCounter(name: string, help: string, pick: (s: ServerStats) => number) {
  return new Counter({
    name,
    help,
    registers,
    collect() {
      this.reset();
      this.inc(total(pick));
    },
  });
}

function statGauge(name: string, help: string, pick: (s: ServerStats) => number) {
  return new Gauge({
    name,
    help,
    registers,
    collect() {
      this.set(total(pick));
    },
  });
}

statGauge('ferry_prediction_log_queue_depth', 'Prediction records waiting to be written to Postgres', (s) => s.predictionLog.queued);
statCounter('ferry_prediction_log_written_total', 'Prediction records written to Postgres', (s) => s.predictionLog.written);
statCounter('ferry_prediction_log_dropped_total', 'Prediction records dropped because the log queue was full', (s) => s.predictionLog.dropped);
statCounter('ferry_prediction_log_quarantined_total', 'Prediction records Postgres refused, kept in prediction_quarantine', (s) => s.predictionLog.quarantined);
statCounter('ferry_prediction_log_failed_writes_total', 'Prediction log inserts that failed and were retried', (s) => s.predictionLog.failedWrites);
statGauge('ferry_serving_routes', 'Model and env pairs the model server serves', (s) => s.servedRoutes);
statGauge('ferry_serving_loaded_versions', 'Model versions loaded in the model server', (s) => s.loadedVersions);

/** Reports a model server's stats through the registry until the returned function is called. */
export function watchModelServer(stats: () => ServerStats): () => void {
  servers.add(stats);
  return () => void servers.delete(stats);
}
