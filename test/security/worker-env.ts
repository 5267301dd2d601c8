/** Sets `vars` in this process's environment, as a worker launched with them holds them; returns what puts it back. */
export function setWorkerEnv(vars: Record<string, string>): () => void {
  const saved = Object.entries(vars).map(([k]) => [k, process.env[k]] as const);
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
