// Builds the cached Python venvs the tests use, one after another (pip on two cores is slow enough alone): MLServer
// (the serving gateway's backend), MLflow (the mirror's real server), and the example pipelines' requirements.txt.
// `.ci/run` starts it in the background while the rest is set up; a test that needs a venv first waits on the same
// lock, so this only moves the work earlier.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MLFLOW_REQUIREMENTS } from '../src/mlflow/server.js';
import { MLSERVER_REQUIREMENTS } from '../src/mlserver/requirements.js';
import { MOTO_REQUIREMENTS } from '../src/provision/moto.js';
import { ensureVenv } from '../src/provision/python-venv.js';

const log = (line: string) => console.log(line);
for (const [what, requirements] of [['MLServer', MLSERVER_REQUIREMENTS], ['MLflow', MLFLOW_REQUIREMENTS], ['moto (the SageMaker stand-in)', MOTO_REQUIREMENTS]] as const) {
  const venv = await ensureVenv({ requirements }, { log });
  log(`${what}: ${venv.dir}${venv.created ? ' (built)' : ' (cached)'}`);
}
// Every requirements*.txt of an example (iris-python has one for joblib models and one for MLflow models).
for (const dir of readdirSync('pipelines', { withFileTypes: true }).filter((e) => e.isDirectory())) {
  for (const name of readdirSync(join('pipelines', dir.name)).filter((f) => /^requirements.*\.txt$/.test(f)).sort()) {
    const file = join('pipelines', dir.name, name);
    const venv = await ensureVenv({ requirementsFile: file }, { log });
    log(`${file}: ${venv.dir}${venv.created ? ' (built)' : ' (cached)'}`);
  }
}
