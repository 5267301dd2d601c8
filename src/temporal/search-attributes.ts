import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Ferry's custom search attributes, upserted by the lifecycle workflow as a run moves so operators can filter runs in the
 * Temporal UI (e.g. `FerryModel = "penguins" AND FerryStage = "approve"`). Deterministic: safe to import from workflows.
 */
export const searchAttributes = {
  model: defineSearchAttributeKey('FerryModel', SearchAttributeType.KEYWORD),
  pipeline: defineSearchAttributeKey('FerryPipeline', SearchAttributeType.KEYWORD),
  stage: defineSearchAttributeKey('FerryStage', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('FerryStatus', SearchAttributeType.KEYWORD),
  modelVersion: defineSearchAttributeKey('FerryModelVersion', SearchAttributeType.INT),
  environment: defineSearchAttributeKey('FerryEnvironment', SearchAttributeType.KEYWORD),
} as const;

/** `Name=Type` pairs for `temporal server start-dev --search-attribute`. */
export function searchAttributeFlags(): string[] {
  return Object.values(searchAttributes).flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPE[key.type]}`]);
}

const CLI_TYPE: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};
