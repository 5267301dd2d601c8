// The penguins pipeline's build check: is the dataset file fit for training? Plain JavaScript with no dependencies on
// purpose: a command step runs in a fresh checkout of the commit, where node_modules need not exist.
// Usage: node pipelines/penguins/check.mjs [path]; prints a summary, exits 1 naming each problem.
import { readFileSync } from 'node:fs';

const NUMERIC = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'];
const ALLOWED = { Species: ['Adelie', 'Chinstrap', 'Gentoo'], Island: ['Biscoe', 'Dream', 'Torgersen'], Sex: ['MALE', 'FEMALE'] };
const COLUMNS = ['Species', 'Island', ...NUMERIC, 'Sex'];
// Markers the data set uses for "not recorded": the row is incomplete, not wrong.
const MISSING = new Set(['', 'NA', '.']);
// Fewest complete rows per species worth training on (the smallest, Chinstrap, has 68).
const MIN_ROWS_PER_SPECIES = 30;

/** RFC 4180 records (quoted cells, doubled quotes); a final line break is optional. */
function parseCsv(text) {
  const records = [];
  let record = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    record.push(cell);
    cell = '';
  };
  const endRecord = () => {
    endCell();
    records.push(record);
    record = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endCell();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
    } else cell += c;
  }
  if (cell !== '' || record.length > 0) endRecord();
  return records.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** The problems of a penguins CSV and a one-line summary; no problems means it is fit for training. */
function checkDataset(path) {
  const [header = [], ...rows] = parseCsv(readFileSync(path, 'utf8'));
  const missingColumns = COLUMNS.filter((c) => !header.includes(c));
  if (missingColumns.length > 0) return { problems: [`${path}: missing column(s) ${missingColumns.map((c) => `"${c}"`).join(', ')}; expected ${COLUMNS.join(', ')}`], summary: `${path}: unusable` };
  const at = Object.fromEntries(COLUMNS.map((c) => [c, header.indexOf(c)]));
  const problems = [];
  const perSpecies = Object.fromEntries(ALLOWED.Species.map((s) => [s, 0]));
  const islands = new Set();
  let complete = 0;
  rows.forEach((row, i) => {
    const line = i + 2;
    if (row.length !== header.length) return void problems.push(`${path}:${line}: ${row.length} cells; expected ${header.length}`);
    let ok = true;
    for (const column of COLUMNS) {
      const value = row[at[column]].trim();
      if (MISSING.has(value)) ok = false;
      else if (NUMERIC.includes(column) ? !(Number(value) > 0) : !ALLOWED[column].includes(column === 'Sex' ? value.toUpperCase() : value)) {
        problems.push(`${path}:${line}: "${column}" is "${value}"; expected ${NUMERIC.includes(column) ? 'a positive number' : `one of ${ALLOWED[column].join(', ')}`} or an empty cell`);
        ok = false;
      }
    }
    if (!ok) return;
    complete++;
    perSpecies[row[at.Species].trim()]++;
    islands.add(row[at.Island].trim());
  });
  for (const [species, count] of Object.entries(perSpecies)) {
    if (count < MIN_ROWS_PER_SPECIES) problems.push(`${path}: ${count} complete ${species} rows; expected at least ${MIN_ROWS_PER_SPECIES}`);
  }
  for (const island of ALLOWED.Island) if (!islands.has(island)) problems.push(`${path}: no complete rows from ${island}; the model's island encoding expects it`);
  return { problems, summary: `${path}: ${complete} complete rows, ${rows.length - complete} incomplete (left out of training)` };
}

try {
  const { problems, summary } = checkDataset(process.argv[2] ?? 'pipelines/penguins/data/penguins.csv');
  console.log(summary);
  for (const problem of problems) console.error(problem);
  process.exitCode = problems.length === 0 ? 0 : 1;
} catch (err) {
  console.error(err.message);
  process.exitCode = 1;
}
