import type { Predict } from '../../dsl/ferry-config.js';
import type { Backend } from './backend.js';

/** Today's path: the model's predictor from ferry.config.ts, called in-process. */
export function createJsBackend(predict: Predict): Backend {
  return {
    spec: { kind: 'js' },
    metadata: { platform: 'ferry-js', inputs: [], outputs: [] },
    async predict(records) {
      const outputs = await predict(records);
      if (!Array.isArray(outputs) || outputs.length !== records.length) {
        throw new Error(`predictor returned ${Array.isArray(outputs) ? outputs.length : typeof outputs} outputs for ${records.length} inputs; return one output per input record`);
      }
      return outputs;
    },
  };
}
