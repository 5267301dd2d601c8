export { aliasHistoryOf, aliasHistoryOf as aliasHistory, moveAlias, previousApprovedVersion, type AliasMove } from './aliases.js';
export { getVersion, listModels, listVersions, productionMetrics, requireVersion, type ModelSummary } from './read.js';
export { modelRefSchema, parseModelRef, type ModelRef } from './ref.js';
export { registerVersion, type ModelVersionRow } from './register.js';
export {
  aliasNameSchema,
  modelNameSchema,
  moveAliasInputSchema,
  registerVersionInputSchema,
  setVersionStatusInputSchema,
  VERSION_STATUSES,
  versionStatusSchema,
  type MoveAliasInput,
  type RegisterVersionInput,
  type SetVersionStatusInput,
  type VersionStatus,
} from './schemas.js';
export { setVersionStatus } from './status.js';
export { checkRollback, type RollbackRequest } from './rollback-rules.js';
