// Deployment targets, rollout planning and canary health. strategy.ts and routes.ts are workflow-safe (pure).
export { canaryHealth, type CanaryHealth, type CanaryHealthQuery } from './canary-health.js';
export { FIELD_MANAGER, INFERENCE_SERVICE, inferenceServices, loadKubeConfig, type InferenceServices, type KubeConnection } from './kube-client.js';
export { inferenceServiceName, renderInferenceService, type KServeManifestOptions, type KServeRuntime } from './kserve-manifest.js';
export { createKubernetesTarget, isvcSchema, reconciled, statusRoutes, type InferenceServiceObject, type KubernetesTargetOptions } from './kubernetes.js';
export { createLocalTarget, readGateway, writeServingRoutes, type LocalTargetOptions } from './local.js';
export { createMlserverTarget, type MlserverTargetOptions } from './mlserver.js';
export { describeRoutes, normalizeRoutes, routeSchema, routesSchema, sameRoutes, type Route } from '../core/routes.js';
export { planRollout, rollbackRoutes, type HealthGate, type RolloutStep, type Strategy } from '../core/rollout.js';
export { DeploymentMismatchError, deployRequestSchema, liveStateSchema, verifyDeployment, verifyLiveState, type DeployRequest, type DeploymentTarget, type LiveState, type VerifyOptions } from './target.js';
export { createSagemakerTarget, type SagemakerTargetOptions } from './sagemaker.js';
export { APPROVAL_OF, deploysToSagemaker, mirrorApproval, syncModelPackage, type ModelPackageState } from './sagemaker-packages.js';
export { fillVariantUrl, missingSagemakerSetting, sagemakerClient, sagemakerSettings, type SagemakerEnv, type SagemakerSettings } from './sagemaker-settings.js';
export { createTarget, registeredArtifact, registeredArtifactUri, type TargetDeps, type TargetName } from './targets.js';
export { createWebhookTarget, type WebhookTargetOptions } from './webhook-target.js';
