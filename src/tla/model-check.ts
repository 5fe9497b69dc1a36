// The one entry point of model checking for its callers (the CLI's `model-check`): check the models of a models.json,
// check one spec as TLC does, validate a protocol trace file, or install the pinned TLC.
import { CutlineError } from '../errors.js';
import { selectBackend, type BackendChoice } from './backend-select.js';
import { formatClosing, formatVerdict, reportJson } from './model-check-format.js';
import { runModels } from './model-check-run.js';
import { loadModels } from './models.js';
import { cachedJarPath, installTlcJar, pinnedTlc } from './tlc-jar.js';

// What a caller of model checking needs besides these functions, named here so that it has one place to look.
export { backendChoices, type BackendChoice } from './backend-select.js';
export { defaultModelsPath } from './models.js';
export { pinnedTlc } from './tlc-jar.js';
export { checkTrace } from './trace/trace-check.js';
export { checkSpec } from './spec-check.js';

export interface ModelCheckRequest {
  /** One model by name, or every model (`all`). */
  readonly model: string | undefined;
  readonly all: boolean;
  readonly modelsPath: string;
  readonly backend: BackendChoice;
  readonly workers: number;
  readonly json: boolean;
}

type Write = (text: string) => void;

const stdout: Write = (text) => process.stdout.write(text);

/**
 * Checks the chosen models and prints each verdict (text) or the report (JSON). A model whose outcome differs from the
 * one models.json expects is MODEL_CHECK_MISMATCH; a checker that reached no verdict is MODEL_CHECK_FAILED.
 */
export async function checkModels(request: ModelCheckRequest, write: Write = stdout): Promise<void> {
  if (request.model === undefined && !request.all) {
    throw new CutlineError('USAGE', 'name a model with --model NAME, or check every model with --all', {
      hint: 'The models are listed in spec/models.json.',
    });
  }
  const models = await loadModels(request.modelsPath);
  const selected = request.model === undefined ? models : models.filter((m) => m.name === request.model);
  if (selected.length === 0) {
    throw new CutlineError(
      'USAGE',
      `there is no model named ${request.model ?? ''} in ${request.modelsPath}; the models are ${models.map((m) => m.name).join(', ')}`,
    );
  }
  const backend = await selectBackend(request.backend, { env: process.env });
  const report = await runModels(selected, backend, { workers: request.workers, checkLiveness: true }, (verdict) => {
    if (!request.json) write(formatVerdict(verdict));
  });
  write(request.json ? reportJson(report) : formatClosing(report));
  const failed = report.verdicts.filter((v) => !v.matches);
  if (failed.length === 0) return;
  const errors = failed.filter((v) => v.result.outcome === 'error');
  // A checker that could not reach a verdict is a failed run, not a wrong outcome.
  const code = errors.length === failed.length ? 'MODEL_CHECK_FAILED' : 'MODEL_CHECK_MISMATCH';
  const which = failed.map((v) => `${v.model} (${v.actual}, expected ${v.expected})`).join(', ');
  throw new CutlineError(code, `${failed.length} of ${report.verdicts.length} model(s) did not check as expected: ${which}`, {
    hint:
      code === 'MODEL_CHECK_FAILED'
        ? 'Read the checker message above the summary.'
        : 'A changed outcome means the spec or the checker changed; read the counterexample above.',
  });
}

/** Downloads tla2tools.jar of the pinned release into cutline's cache and checks its SHA-256. */
export async function installPinnedTlc(json: boolean, write: Write = stdout): Promise<void> {
  // CUTLINE_TLC_URL exists so the download and checksum check can be tested against a loopback server.
  const url = process.env['CUTLINE_TLC_URL'] ?? pinnedTlc.url;
  const installed = await installTlcJar({ url, sha256: pinnedTlc.sha256, destination: cachedJarPath(process.env) });
  const message = { installed: installed.path, version: pinnedTlc.version, sha256: pinnedTlc.sha256, sizeBytes: installed.sizeBytes };
  write(
    json
      ? `${JSON.stringify(message)}\n`
      : `installed TLC ${pinnedTlc.version} at ${installed.path} (SHA-256 ${pinnedTlc.sha256} verified)\n`,
  );
}
