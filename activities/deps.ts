import type { ArtifactStore } from '../src/artifacts/store.js';
import type { LoadedConfig } from '../src/config.js';
import type { Db } from '../src/db/client.js';

/** What activities are built from (`createActivities(deps)`): injected so tests can pass their own. */
export interface ActivityDeps {
  db: Db;
  store: ArtifactStore;
  config: LoadedConfig;
  /** Absolute FERRY_HOME: workspaces and step outputs live under it. */
  home: string;
  /** Directory pipeline repo paths are relative to. */
  cwd: string;
}
