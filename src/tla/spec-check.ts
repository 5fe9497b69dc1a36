// `cutline model-check Spec.tla [--cfg Spec.cfg]`: checks one spec as TLC does, without a models.json, with TLC's exit codes.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CutlineError } from '../errors.js';
import type { ModelCheckResult } from './backend.js';
import { selectBackend, type BackendChoice } from './backend-select.js';
import { formatTrace } from './model-check-format.js';

export interface SpecCheckRequest {
  readonly specPath: string;
  /** Default: the .cfg beside the module, with its name. */
  readonly configPath: string | undefined;
  readonly backend: BackendChoice;
  readonly workers: number;
  readonly json: boolean;
}

/** TLC's verdict line for a violated PROPERTY: an action property, or a temporal one (refuted by a finite behavior or a lasso). */
function propertyVerdict(result: ModelCheckResult): string {
  const name = result.violated ?? '?';
  if (result.propertyKind === 'initial') return `Property ${name} is violated by the initial state:`;
  return result.propertyKind === 'action' ? `Action property ${name} is violated.` : `Temporal property ${name} was violated.`;
}

/**
 * TLC's exit status for a result (tlc2.output.EC.ExitStatus): 0 no error, 10 a false ASSUME, 11 deadlock, 12 safety (an invariant, or a
 * temporal property a finite behavior refutes), 13 liveness (a property, or an action property), 75 a failure while
 * evaluating, 150 a module that does not parse or is not supported, 151 a bad configuration, 255 any other error (also a
 * property TLC cannot check either, TLA_PROPERTY_FORM, which TLC ends with its general error).
 */
export function tlcExitStatus(result: ModelCheckResult): number {
  switch (result.outcome) {
    case 'pass':
      return 0;
    case 'deadlock':
      return 11;
    case 'invariant-violated':
      return 12;
    case 'property-violated':
      return result.propertyKind === 'safety' ? 12 : 13;
    case 'error':
      if (result.errorCode === 'TLA_SYNTAX' || result.errorCode === 'TLA_UNSUPPORTED') return 150;
      if (result.errorCode === 'TLA_CONFIG') return 151;
      if (result.errorCode === 'TLA_ASSUMPTION') return 10;
      return result.errorCode === 'TLA_EVAL' ? 75 : 255;
  }
}

/** The verdict as TLC words it, then the counterexample and the counts. */
export function formatSpecResult(result: ModelCheckResult, specPath: string, configPath: string): string {
  const lines = [`Model checking ${specPath} with ${configPath} (${result.backend === 'tlc' ? 'TLC' : 'the built-in checker'})`];
  if (result.outcome === 'pass') lines.push('Model checking completed. No error has been found.');
  else if (result.outcome === 'deadlock') lines.push('Error: Deadlock reached.');
  else if (result.outcome === 'invariant-violated') lines.push(`Error: Invariant ${result.violated ?? '?'} is violated.`);
  else if (result.outcome === 'property-violated') lines.push(`Error: ${propertyVerdict(result)}`);
  else lines.push(`Error: ${result.message ?? 'the checker reached no verdict'}`);
  if (result.trace !== undefined && result.trace.length > 0) {
    const counterExample = result.outcome === 'property-violated' && result.propertyKind !== 'action';
    if (result.propertyKind !== 'initial')
      lines.push(counterExample ? 'The following behavior constitutes a counter-example:' : 'The behavior up to this point is:');
    lines.push(...formatTrace(result.trace, result.loopsBackTo).map((line) => line.slice(4)));
  }
  if (result.outcome !== 'error') {
    lines.push(`${result.statesGenerated} states generated, ${result.distinctStates} distinct states found.`);
    lines.push(`The depth of the complete state graph search is ${result.depth}.`);
  }
  if (!result.liveness.checked && result.liveness.note !== undefined) lines.push(`Liveness not checked: ${result.liveness.note}.`);
  lines.push(`Finished in ${(result.durationMs / 1000).toFixed(1)} s.`);
  return `${lines.join('\n')}\n`;
}

/** Checks the spec, prints the verdict (text, or one JSON object) and returns TLC's exit status for it. */
export async function checkSpec(request: SpecCheckRequest, write: (text: string) => void): Promise<number> {
  const specPath = resolve(request.specPath);
  const configPath = resolve(request.configPath ?? specPath.replace(/\.tla$/, '') + '.cfg');
  if (!existsSync(specPath)) throw new CutlineError('USAGE', `there is no module ${specPath}`, { hint: 'Name a .tla file.' });
  if (!existsSync(configPath)) {
    throw new CutlineError('USAGE', `there is no configuration ${configPath}`, {
      hint: 'Pass --cfg FILE, or put a .cfg with the module name beside the module (as TLC looks for it).',
    });
  }
  const backend = await selectBackend(request.backend, { env: process.env });
  const result = await backend.check({ specPath, configPath }, { workers: request.workers, checkLiveness: true });
  const exitStatus = tlcExitStatus(result);
  write(
    request.json
      ? `${JSON.stringify({ specPath, configPath, exitStatus, ...result }, null, 2)}\n`
      : formatSpecResult(result, specPath, configPath),
  );
  return exitStatus;
}
