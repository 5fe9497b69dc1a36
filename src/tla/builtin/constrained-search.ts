// Search constrained by a trace: the set of states reachable by taking given steps (named operators with bound arguments) in order.
import type { OpDef } from './ast.js';
import type { Env, StateContext } from './env.js';
import { evalError } from './errors.js';
import { boolOf } from './eval.js';
import { FingerprintSet } from './fp-set.js';
import type { Model } from './model.js';
import { fingerprintState, stateFingerprint } from './symmetry.js';
import type { Value } from './value.js';

/** One action step: an operator of the module applied to argument values (an action with parameters). */
export interface Step {
  readonly operator: string;
  readonly args: readonly Value[];
}

/** Alternative step sequences for one trace event: the event happened if any sequence can be taken. */
export type StepAlternatives = readonly (readonly Step[])[];

/** The states consistent with the trace so far, without duplicates. */
export type Frontier = readonly Value[][];

/** A state the search reached in which an invariant of the model does not hold. */
export interface FrontierViolation {
  readonly invariant: string;
  readonly state: Value[];
}

/**
 * Breadth-first search over the spec's state space where each level is one trace event: level n+1 is
 * every state an alternative of event n reaches from a state of level n. This is the search of TLC's
 * trace validation (Cirstea, Kuppe, Loillier and Merz, 2024) with the trace given as steps rather than
 * as a TLA+ trace module, so the trace is never parsed as TLA+ and no TLA+ variable counts events.
 */
export class ConstrainedSearch {
  private readonly operators = new Map<string, OpDef>();

  constructor(readonly model: Model) {}

  /** The initial states of the model (its Init), deduplicated. */
  initial(): Frontier {
    const out = new StateDeduplicator();
    this.model.evaluator.initStates(this.model.init, (partial) => {
      out.add(this.complete(partial, this.model.nextName));
      return false;
    });
    return out.states;
  }

  /** The states reached from `frontier` by any of the alternatives; empty when the trace leaves the spec. */
  advance(frontier: Frontier, alternatives: StepAlternatives): Frontier {
    const out = new StateDeduplicator();
    for (const steps of alternatives) {
      let states: Frontier = frontier;
      for (const step of steps) {
        const next = new StateDeduplicator();
        for (const state of states) for (const successor of this.successors(state, step)) next.add(successor);
        states = next.states;
        if (states.length === 0) break;
      }
      for (const state of states) out.add(state);
    }
    return out.states;
  }

  /** Every successor of `state` under one step (duplicates included). */
  successors(state: readonly Value[], step: Step): Value[][] {
    const def = this.operator(step.operator, step.args.length);
    const out: Value[][] = [];
    this.model.evaluator.successors(
      def.body,
      state,
      (partial) => {
        out.push(this.complete(partial, step.operator));
        return false;
      },
      this.bind(def, step.args),
    );
    return out;
  }

  private bind(def: OpDef, args: readonly Value[]): Env {
    let env: Env = null;
    for (let i = 0; i < def.params.length; i++) env = { name: def.params[i] as string, value: args[i] as Value, next: env };
    return env;
  }

  /** The value of an operator with arguments in `state` (a state function such as an expected field). */
  evaluate(state: readonly Value[], step: Step): Value {
    const def = this.operator(step.operator, step.args.length);
    return this.model.evaluator.eval(def.body, this.bind(def, step.args), { state, next: undefined, primed: false });
  }

  /** The first invariant of the model's .cfg that fails in some state of the frontier, if any. */
  violation(frontier: Frontier): FrontierViolation | undefined {
    for (const state of frontier) {
      const s: StateContext = { state, next: undefined, primed: false };
      for (const item of this.model.invariants) {
        if (!boolOf(this.model.evaluator.eval(item.expr, null, s), item.expr.loc, item.name)) return { invariant: item.name, state };
      }
    }
    return undefined;
  }

  /** The names of the model's variables, in state order. */
  variables(): readonly string[] {
    return this.model.spec.variables;
  }

  private operator(name: string, arity: number): OpDef {
    let def = this.operators.get(name);
    if (def === undefined) {
      def = this.model.spec.defs.get(name);
      if (def === undefined) throw evalError(undefined, `the module ${this.model.spec.name} defines no operator ${name}`);
      this.operators.set(name, def);
    }
    if (def.params.length !== arity) throw evalError(def.loc, `${name} takes ${def.params.length} argument(s), the step gives ${arity}`);
    return def;
  }

  private complete(partial: readonly (Value | undefined)[], where: string): Value[] {
    const index = partial.indexOf(undefined);
    if (index >= 0)
      throw evalError(
        undefined,
        `the successor state is not completely specified by ${where}: ${this.model.spec.variables[index]} is not assigned`,
      );
    return partial as Value[];
  }
}

/** Collects states, keeping the first of each fingerprint. */
class StateDeduplicator {
  readonly states: Value[][] = [];
  private readonly seen = new FingerprintSet(16);

  add(state: Value[]): void {
    fingerprintState(state, undefined);
    if (this.seen.putIfAbsent(stateFingerprint.high, stateFingerprint.low, this.states.length) >= 0) return;
    this.states.push(state);
  }
}
