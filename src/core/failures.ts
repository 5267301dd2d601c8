/**
 * The catalogue of failure kinds Ferry's activities and workflows raise, each with whether Temporal retries it and
 * whose mistake it is. The kind is the `type` of the ApplicationFailure; code branches on `Failure.X`, never on a
 * string typed at the call site, so a renamed or new kind fails to compile until every branch knows it.
 */
export interface FailureKindSpec {
  /** `never`: failing again cannot help; `attempts`: retried within the step's declared retries, then final. */
  readonly retry: 'never' | 'attempts';
  /** `user`: the pipeline, its data, its input or a person's decision; `ferry`: Ferry or the infrastructure under it. */
  readonly blame: 'user' | 'ferry';
  readonly summary: string;
}

export const failureKinds = {
  ZodError: { retry: 'never', blame: 'user', summary: 'an input or a spec failed validation' },
  UsageError: { retry: 'never', blame: 'user', summary: 'an activity was called with input it refuses' },
  IntegrateError: { retry: 'never', blame: 'user', summary: 'the ref or a dataset is not in the repository' },
  DatasetChanged: { retry: 'never', blame: 'user', summary: "a reproduction's data differs from what was recorded" },
  StepNotFound: { retry: 'never', blame: 'user', summary: 'a function step names no step of ferry.config.ts' },
  InvalidParams: { retry: 'never', blame: 'user', summary: "a step's params fail its schema" },
  StepOutputError: { retry: 'never', blame: 'user', summary: 'a step returned or wrote outputs Ferry cannot use' },
  CommandFailed: { retry: 'attempts', blame: 'user', summary: 'a command step exited non-zero' },
  PythonEnvironmentError: { retry: 'never', blame: 'user', summary: "a step's Python venv could not be built" },
  NoWorkerForQueue: { retry: 'never', blame: 'user', summary: "no worker polls a step's task queue" },
  GateFailed: { retry: 'never', blame: 'user', summary: 'a model failed an evaluation gate' },
  PolicyViolation: { retry: 'never', blame: 'user', summary: 'a promotion policy refused the run' },
  ApprovalRefused: { retry: 'never', blame: 'user', summary: 'an approval decision was refused (role, group, separation of duties)' },
  AttestationRefused: { retry: 'never', blame: 'user', summary: "a decision's signature did not verify" },
  NotPending: { retry: 'never', blame: 'user', summary: 'no approval of that environment is pending' },
  RunStartRefused: { retry: 'never', blame: 'user', summary: "a run's signed start did not verify" },
  RegistryError: { retry: 'never', blame: 'user', summary: 'the registry refused a write (unknown version, bad alias move)' },
  VersionNotFound: { retry: 'never', blame: 'user', summary: 'a model version is not in the registry' },
  DeploymentMismatch: { retry: 'attempts', blame: 'ferry', summary: 'a target serves something other than what was deployed (retried: it may still be converging)' },
  CanaryUnhealthy: { retry: 'never', blame: 'user', summary: "a canary's error rate or latency breached its limit" },
  RolledBack: { retry: 'never', blame: 'user', summary: "a deployment's rollout was rolled back" },
  NothingToRollBack: { retry: 'never', blame: 'user', summary: 'a rollback found no earlier version' },
} as const satisfies Record<string, FailureKindSpec>;

export type FailureKind = keyof typeof failureKinds;

/** The kinds by name: `Failure.GateFailed === 'GateFailed'`. */
export const Failure = Object.fromEntries(Object.keys(failureKinds).map((k) => [k, k])) as { readonly [K in FailureKind]: K };

/** Whether a failure's `type` is one of the given kinds. */
export function isFailureKind(type: string | null | undefined, ...kinds: FailureKind[]): boolean {
  return type !== null && type !== undefined && (kinds as string[]).includes(type);
}

/** Options of a {@link FerryFailure}. */
export interface FerryFailureOptions {
  /** Final even though the kind is retried (`retry: 'attempts'`): the step's declared attempts are used up. */
  final?: boolean;
  /** Passed on as the ApplicationFailure's details. */
  details?: unknown[];
}

/**
 * A failure of a catalogued kind, thrown by an activity. The worker's failure interceptor
 * (`src/temporal/failure-interceptor.ts`) turns it into the ApplicationFailure workflows see: `type` is the kind,
 * non-retryable when the kind is never retried or the failure is final. `type` and `nonRetryable` are the
 * ApplicationFailure's own names, so code reading a failure reads either the same way.
 */
export class FerryFailure extends Error {
  override name = 'FerryFailure';
  readonly type: string;
  readonly nonRetryable: boolean;
  readonly details: unknown[];

  constructor(kind: FailureKind, message: string, options: FerryFailureOptions = {}) {
    super(message);
    this.type = kind;
    this.nonRetryable = failureKinds[kind].retry === 'never' || options.final === true;
    this.details = options.details ?? [];
  }

  /**
   * A deploy target's refusal, final, its class name (`FerryError`, `UsageError`, ...) as its type: what a workflow
   * saw before the catalogue, kept so recorded histories and their readers stay the same.
   */
  static finalAs(err: Error & { details?: unknown }): FerryFailure {
    const failure = new FerryFailure(Failure.UsageError, err.message, { final: true, details: err.details === undefined ? [] : [err.details] });
    (failure as { type: string }).type = err.name;
    failure.stack = err.stack;
    return failure;
  }
}
