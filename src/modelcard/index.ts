// Model cards: the data (zod schema), a builder from plain inputs, and md / html / json renderers.
export { buildModelCard } from './build.js';
export type { ModelCardParts } from './build.js';
export { cardSpecSchema } from '../core/card-spec.js';
export type { CardSpec } from '../core/card-spec.js';
export { renderModelCard } from './render.js';
export { modelCardSchema } from './schema.js';
export type { ModelCard, ModelCardFormat, ModelCardInput } from './schema.js';
export { storedCardData, storedCardDataSchema, storedCardParts } from './stored.js';
export type { StoredCardData } from './stored.js';
