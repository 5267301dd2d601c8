import { definePredictor } from 'ferry';
import { penguinSchema, type Penguin } from './features.js';
import { loadClassifier, readModel } from './model.js';

/**
 * How the model server serves a registered `penguins` version: loads its `model.json` once, then predicts batches of
 * records `{ bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, island, sex }` → `{ species, probabilities }`.
 * Records are validated against the categories the version was trained on; a bad record fails the batch with an
 * error naming the record and the field, e.g. `inputs[2].island: expected one of Biscoe, Dream, Torgersen`.
 */
export const predictor = definePredictor('penguins', async (file) => {
  const classifier = loadClassifier(readModel(file));
  const schema = penguinSchema(classifier.encoding);
  return (inputs) => {
    const records: Penguin[] = inputs.map((input, i) => {
      const parsed = schema.safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
        throw new Error(`inputs[${i}]${field}: ${issue.message}`);
      }
      return parsed.data;
    });
    return classifier.predict(records);
  };
}, { labelField: 'species', probabilitiesField: 'probabilities' });
