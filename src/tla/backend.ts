// The seam between `cutline model-check` and the engines that check a model: TLC or the built-in checker.

/** One model: a TLA+ module and the TLC configuration file that instantiates it. */
export interface ModelInput {
  /** Absolute path of the root .tla module; modules it EXTENDS/INSTANCEs are looked up beside it. */
  readonly specPath: string;
  /** Absolute path of the .cfg file (TLC's syntax). */
  readonly configPath: string;
}

export interface CheckOptions {
  readonly signal?: AbortSignal;
  /** Worker threads (the built-in checker); TLC's -workers. */
  readonly workers?: number;
  /** Check the liveness properties of the .cfg when the backend can. */
  readonly checkLiveness?: boolean;
}

/** One state of a counterexample, values printed in TLA+ syntax as TLC prints them. */
export interface TraceState {
  /** 1-based, as TLC numbers states. */
  readonly index: number;
  /** The action that produced this state ("Initial predicate" for the first), with its location when known. */
  readonly action: string;
  readonly variables: Readonly<Record<string, string>>;
}

export type CheckOutcome = 'pass' | 'invariant-violated' | 'property-violated' | 'deadlock' | 'error';

export type PropertyKind = 'initial' | 'action' | 'safety' | 'liveness';

export interface ModelCheckResult {
  readonly backend: 'tlc' | 'builtin';
  readonly outcome: CheckOutcome;
  /** The invariant or property that failed, when outcome names one. */
  readonly violated?: string;
  /**
   * For outcome 'property-violated', which of TLC's verdicts it is: 'initial', a state predicate among a property's
   * conjuncts is false in an initial state ("Property X is violated by the initial state:", exit 13); 'action', an action property [][A]_v failed on
   * a step ("Action property X is violated.", exit 13); 'safety', a temporal property that a finite behavior refutes,
   * such as [](P => []Q) without fairness ("Temporal property X was violated.", exit 12); 'liveness', a lasso (exit 13).
   */
  readonly propertyKind?: PropertyKind;
  readonly statesGenerated: number;
  readonly distinctStates: number;
  /** The depth of the complete state graph search, as TLC reports it. */
  readonly depth: number;
  /** The shortest counterexample, when there is one; for a liveness violation, a lasso (see loopsBackTo). */
  readonly trace?: readonly TraceState[];
  /** For a lasso-shaped counterexample, the 1-based index of the state the last one loops back to. */
  readonly loopsBackTo?: number;
  /** Whether the PROPERTY entries of the model were checked, and if not, why. */
  readonly liveness: { readonly checked: boolean; readonly note?: string };
  /** For outcome 'error': what went wrong (parse error with file:line:column, unsupported construct, ...). */
  readonly message?: string;
  /** For outcome 'error', when the checker knows it: the stable code (TLA_SYNTAX, TLA_CONFIG, TLA_UNSUPPORTED, TLA_EVAL). */
  readonly errorCode?: string;
  readonly durationMs: number;
}

export interface ModelCheckBackend {
  readonly name: 'tlc' | 'builtin';
  check(model: ModelInput, options?: CheckOptions): Promise<ModelCheckResult>;
}
