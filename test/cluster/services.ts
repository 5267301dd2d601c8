/**
 * The production topology the cluster test runs, by the service names `docker-compose.yml` gives the same parts
 * (test/cluster/compose-parity.test.ts holds the two in step). The git remote is not a service: workers reach the
 * team's repository by its URL, as they would GitHub.
 */
export const topology = {
  postgres: 'postgres',
  temporal: 'temporal',
  s3: 'minio',
  modelServer: 'serve',
  webhook: 'webhook',
  /** Three `ferry worker` processes: two on Ferry's own queue (workflows and activities), one on the `gpu` pool. */
  workers: [
    { name: 'worker', taskQueue: 'ferry' },
    { name: 'worker-2', taskQueue: 'ferry' },
    { name: 'worker-gpu', taskQueue: 'gpu' },
  ],
} as const;
