/** The penguins example: what ferry.config.ts registers and what the demo drives. */
export { evaluate, train } from './steps.js';
export { predictor } from './predictor.js';
export { heldOutPenguins, productionWindow, type DriftScenario, type ProductionWindow, type WindowOptions } from './traffic.js';
export { writeCsv } from './csv.js';
export { exportPenguinsCsv, loadPenguinsCsv } from './data.js';
export { FEATURES, type LabelledPenguin, type Penguin, type Species } from './features.js';
