import { fileURLToPath } from 'node:url';
import pipeline from '../penguins.js';
import { loadPenguinsCsv } from './data.js';
import { featuresOf, type LabelledPenguin, type Penguin, type Species } from './features.js';
import { mulberry32, normal, stratifiedSplit } from './split.js';

/**
 * Production traffic for the demo: request windows drawn from the penguins the model never saw (the held-out split),
 * optionally drifted, with the true species kept apart so they can arrive late as feedback.
 *
 * Scenarios (`drift`):
 * - `none`: penguins like those in training. Each request is a held-out penguin re-measured with realistic noise
 *   (standard deviations 0.3 mm bill length, 0.15 mm bill depth, 1.5 mm flipper, 50 g mass; rounded as the data set is), so windows are not copies of rows.
 * - `measurement`: a calibration drift. A new field team's scale reads 15 % heavy (body mass ×1.15, recorded to the
 *   gram) and their flipper ruler is zeroed 12 mm off (+12 mm). The birds are the same; two of the six inputs are not,
 *   so a drift check flags 2/6 columns. The forest leans on bill shape, so accuracy barely moves (≈0.99 on the default
 *   split): the monitor catches this by data drift long before the late labels would show a loss.
 * - `subgroup`: a shifted population. A survey season on Biscoe: 85 % of requests are Gentoo from Biscoe, the rest
 *   as usual. Every measurement's distribution moves with the species mix and `island` with it; predictions stay good.
 */

export type DriftScenario = 'none' | 'measurement' | 'subgroup';

export interface WindowOptions {
  seed: number;
  /** Number of requests. */
  n: number;
  /** Default `none`. */
  drift?: DriftScenario;
  /** Penguins to draw from; default: the held-out split of the committed dataset with the pipeline's seed and testShare. */
  population?: readonly LabelledPenguin[];
}

export interface ProductionWindow {
  drift: DriftScenario;
  /** Request records for the model server, in order. */
  requests: Penguin[];
  /** True species of `requests[i]`: the late feedback. */
  labels: Species[];
}

/** Share of `subgroup` traffic from the dominant group. */
const SUBGROUP_SHARE = 0.85;

const DATASET = fileURLToPath(new URL('./data/penguins.csv', import.meta.url));

/** The held-out penguins of the committed dataset, split exactly as the pipeline splits them. */
export function heldOutPenguins(): LabelledPenguin[] {
  const testShare = Number(pipeline.params?.testShare ?? 0.25);
  const { test } = stratifiedSplit(loadPenguinsCsv(DATASET).rows, (r) => r.species, { testShare, seed: pipeline.seed ?? 0 });
  return test;
}

const round = (value: number, step: number) => Math.round(value / step) * step;
const tenth = (value: number) => Math.round(value * 10) / 10;

/** The same bird measured again: small noise, the data set's precision (0.1 mm, 1 mm, 25 g). */
function remeasure(bird: LabelledPenguin, random: () => number): Penguin {
  return {
    ...featuresOf(bird),
    bill_length_mm: tenth(bird.bill_length_mm + 0.3 * normal(random)),
    bill_depth_mm: tenth(bird.bill_depth_mm + 0.15 * normal(random)),
    flipper_length_mm: Math.round(bird.flipper_length_mm + 1.5 * normal(random)),
    body_mass_g: round(bird.body_mass_g + 50 * normal(random), 25),
  };
}

/**
 * A window of production requests with their true labels, deterministic for a seed.
 * @example const { requests, labels } = productionWindow({ seed: 7, n: 200, drift: 'measurement' });
 */
export function productionWindow(options: WindowOptions): ProductionWindow {
  const drift = options.drift ?? 'none';
  const population = options.population ?? heldOutPenguins();
  if (!Number.isInteger(options.n) || options.n < 1) throw new RangeError(`n: expected a whole number of requests ≥ 1, got ${options.n}`);
  const random = mulberry32(options.seed);
  const pick = (from: readonly LabelledPenguin[]) => from[Math.floor(random() * from.length)]!;
  const dominant = population.filter((p) => p.island === 'Biscoe' && p.species === 'Gentoo');
  if (drift === 'subgroup' && dominant.length === 0) throw new RangeError('population: has no Gentoo from Biscoe to build the subgroup window from');

  const requests: Penguin[] = [];
  const labels: Species[] = [];
  for (let i = 0; i < options.n; i++) {
    const bird = drift === 'subgroup' && random() < SUBGROUP_SHARE ? pick(dominant) : pick(population);
    let record = remeasure(bird, random);
    if (drift === 'measurement') {
      record = { ...record, body_mass_g: Math.round(record.body_mass_g * 1.15), flipper_length_mm: record.flipper_length_mm + 12 };
    }
    requests.push(record);
    labels.push(bird.species);
  }
  return { drift, requests, labels };
}
