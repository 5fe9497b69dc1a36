// Errors of the built-in TLA+ checker: each names what is wrong and where (file:line:column).
import { CutlineError } from '../../errors.js';
import type { Loc } from './ast.js';
import { formatExtent, formatLoc } from './ast.js';

export function syntaxError(loc: Loc, message: string): CutlineError {
  return new CutlineError('TLA_SYNTAX', `${formatLoc(loc)}: ${message}`, {
    hint: 'Fix the module at the given line and column; SANY (TLA+ Toolbox) reports the same problem.',
  });
}

export function unsupported(loc: Loc | undefined, construct: string): CutlineError {
  const where = loc === undefined ? '' : `${formatLoc(loc)}: `;
  return new CutlineError('TLA_UNSUPPORTED', `${where}the built-in checker does not support ${construct}`, {
    hint: 'Rewrite the construct with the supported subset, or run the model with --backend tlc.',
  });
}

/** A property TLC refuses too (its liveness checker cannot handle the formula): not a gap of this checker. */
export function propertyFormError(loc: Loc, message: string): CutlineError {
  return new CutlineError('TLA_PROPERTY_FORM', `${formatLoc(loc)}: ${message}`, {
    hint: 'Rewrite the property in a form TLC checks: <>[]A or []<>A for actions, []P, <>P, P ~> Q for state predicates.',
  });
}

/** An ASSUME that is false for the .cfg's constants: TLC's "Assumption ... is false." (its exit status 10). */
export function assumptionFalse(loc: Loc): CutlineError {
  return new CutlineError('TLA_ASSUMPTION', `${formatLoc(loc)}: Assumption ${formatExtent(loc)} is false.`, {
    hint: 'Give the constants in the .cfg values that satisfy the ASSUME, or correct the ASSUME.',
  });
}

export function evalError(loc: Loc | undefined, message: string): CutlineError {
  const where = loc === undefined ? '' : `${formatLoc(loc)}: `;
  return new CutlineError('TLA_EVAL', `${where}${message}`);
}

export function configError(file: string, line: number, message: string): CutlineError {
  return new CutlineError('TLA_CONFIG', `${file}:${line}: ${message}`);
}
