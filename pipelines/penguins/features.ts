import { z } from 'zod';

/** What the model predicts, in the order of its class indices. */
export const SPECIES = ['Adelie', 'Chinstrap', 'Gentoo'] as const;
export const ISLANDS = ['Biscoe', 'Dream', 'Torgersen'] as const;
export const SEXES = ['female', 'male'] as const;

export const NUMERIC_FEATURES = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'] as const;
export const CATEGORICAL_FEATURES = ['island', 'sex'] as const;
/** The model's inputs, in the column order of its feature matrix (also the columns of `reference.csv`). */
export const FEATURES = [...NUMERIC_FEATURES, ...CATEGORICAL_FEATURES] as const;

export type Species = (typeof SPECIES)[number];
export type Feature = (typeof FEATURES)[number];

/** Category lists of the categorical features; a category's code is its index. Stored in the model artifact. */
export interface Encoding {
  island: string[];
  sex: string[];
}

const measurement = (unit: string) => z.number({ error: `expected a number (${unit})` }).finite().positive(`expected a positive number (${unit})`);

/** A request record for the given encoding: the categories the model was trained on are the only ones accepted. */
export function penguinSchema(encoding: Encoding = defaultEncoding()) {
  return z.object({
    bill_length_mm: measurement('mm'),
    bill_depth_mm: measurement('mm'),
    flipper_length_mm: measurement('mm'),
    body_mass_g: measurement('g'),
    island: z.enum(encoding.island as [string, ...string[]], { error: `expected one of ${encoding.island.join(', ')}` }),
    sex: z.enum(encoding.sex as [string, ...string[]], { error: `expected one of ${encoding.sex.join(', ')}` }),
  });
}

/** One penguin as the model sees it (a request to the model server). A type, not an interface: it is a JSON record. */
export type Penguin = {
  bill_length_mm: number;
  bill_depth_mm: number;
  flipper_length_mm: number;
  body_mass_g: number;
  island: string;
  sex: string;
};

/** A penguin with its true species (training data, or a label that arrives late as feedback). */
export type LabelledPenguin = Penguin & { species: Species };

/** The categories of the data set, sorted: the encoding every model trained by this example uses. */
export function defaultEncoding(): Encoding {
  return { island: [...ISLANDS], sex: [...SEXES] };
}

/**
 * The feature vector of a record: the four measurements, then each category's integer code. Integer codes suit trees
 * (a split on `island < 1.5` separates Biscoe and Dream from Torgersen); a linear model would want one-hot columns.
 */
export function encode(record: Penguin, encoding: Encoding): number[] {
  const code = (feature: keyof Encoding) => {
    const index = encoding[feature].indexOf(record[feature]);
    if (index < 0) throw new Error(`${feature}: unknown category "${record[feature]}"; expected one of ${encoding[feature].join(', ')}`);
    return index;
  };
  return [record.bill_length_mm, record.bill_depth_mm, record.flipper_length_mm, record.body_mass_g, code('island'), code('sex')];
}

/** Only the model's input fields of a record (drops `species` and anything else), in {@link FEATURES} order. */
export function featuresOf(record: Penguin): Penguin {
  const { bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, island, sex } = record;
  return { bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, island, sex };
}
