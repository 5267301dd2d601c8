/** One way the environment of a reproduction differs from the one recorded when the version was trained. */
export interface EnvironmentChange {
  /** Dotted path in the fingerprint, e.g. `node`, `lockfiles.package-lock.json`, `steps.train.python`. */
  key: string;
  registered?: string;
  reproduced?: string;
}

function leaves(value: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== undefined) {
    out.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return out;
}

/**
 * Every leaf of two environment fingerprints (src/environment.ts, plus what each step ran on) that differs, added or
 * went missing, sorted by key: what `ferry reproduce` reports beside the artifact and metric comparison.
 */
export function environmentChanges(registered: unknown, reproduced: unknown): EnvironmentChange[] {
  const was = leaves(registered, '', new Map());
  const now = leaves(reproduced, '', new Map());
  const keys = [...new Set([...was.keys(), ...now.keys()])].sort();
  return keys.filter((k) => was.get(k) !== now.get(k)).map((key) => ({ key, ...(was.has(key) ? { registered: was.get(key) } : {}), ...(now.has(key) ? { reproduced: now.get(key) } : {}) }));
}
