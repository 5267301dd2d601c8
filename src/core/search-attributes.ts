/** The value types Temporal indexes; the same strings as `SearchAttributeType` in `@temporalio/common`. */
export type SearchAttributeKind = 'TEXT' | 'KEYWORD' | 'INT' | 'DOUBLE' | 'BOOL' | 'DATETIME' | 'KEYWORD_LIST';

/** A typed key, structurally Temporal's `SearchAttributeKey<T>` (what `defineSearchAttributeKey` returns). */
export interface SearchAttributeKeyOf<T extends SearchAttributeKind> {
  readonly name: string;
  readonly type: T;
}

const key = <T extends SearchAttributeKind>(name: string, type: T): SearchAttributeKeyOf<T> => ({ name, type });

/**
 * Ferry's custom search attributes, upserted by the lifecycle workflow as a run moves so operators can filter runs in the
 * Temporal UI (e.g. `FerryModel = "penguins" AND FerryStage = "approve"`). Deterministic: safe to import from workflows.
 */
export const searchAttributes = {
  model: key('FerryModel', 'KEYWORD'),
  pipeline: key('FerryPipeline', 'KEYWORD'),
  stage: key('FerryStage', 'KEYWORD'),
  status: key('FerryStatus', 'KEYWORD'),
  modelVersion: key('FerryModelVersion', 'INT'),
  environment: key('FerryEnvironment', 'KEYWORD'),
} as const;

/** `Name=Type` pairs for `temporal server start-dev --search-attribute`. */
export function searchAttributeFlags(): string[] {
  return Object.values(searchAttributes).flatMap((k) => ['--search-attribute', `${k.name}=${CLI_TYPE[k.type]}`]);
}

const CLI_TYPE: Record<SearchAttributeKind, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};
