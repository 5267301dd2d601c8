// Ferry's public authoring API.
export { approval, command, definePipeline, gate, step } from './dsl/define.js';
export { defineConfig, defineGate, definePredictor, defineStep } from './dsl/ferry-config.js';
export type { FerryConfig, GateContext, GateDefinition, Predict, PredictorDefinition, PreviousStep, StepContext, StepDefinition, StepResult } from './dsl/ferry-config.js';
export type { ApprovalSpec, DeploySpec, GateSpec, MonitorSpec, PipelineInput, PipelineSpec, StepSpec } from './core/spec.js';
export { FerryError, UsageError } from './core/errors.js';
export { risk } from './core/risk.js';
export type { PerturbationSpec, RiskCheck, RiskCheckInput } from './core/risk.js';
export type { CardSpec } from './core/card-spec.js';
export type { PredictorOutputs } from './dsl/ferry-config.js';
export { allowedTaskQueues, definePolicy, maxDriftThreshold, requireApproval, requireGates, requireOwner, type Policy, type PolicyContext, type PolicyViolation } from './policy/index.js';
