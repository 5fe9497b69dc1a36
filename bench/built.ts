// Loading the built modules (dist/) in a benchmark, so it measures the code users run.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Imports `dist/{path}` (typed as its source module). Run from the sources instead, every worker
 * thread a restore starts would first compile its modules with tsx, which users never pay for.
 * Objects crossing between dist and src modules fail `instanceof` checks, so a benchmark takes every
 * module of the measured path from here.
 */
export async function importBuilt<Module>(path: string): Promise<Module> {
  const url = new URL(`../dist/${path}`, import.meta.url);
  if (!existsSync(fileURLToPath(url)))
    throw new Error(`${fileURLToPath(url)} does not exist: run \`npm run build\` first (\`npm ci\` does)`);
  return (await import(url.href)) as Module;
}
