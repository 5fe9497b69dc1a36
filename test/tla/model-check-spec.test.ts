// `cutline model-check Spec.tla [--cfg Spec.cfg]`: one spec checked without a models.json, TLC's wording and exit codes.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/run-cli.js';

const specs = new URL('./specs/', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'cutline-spec-check-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const check = (...args: string[]) => runCli(['model-check', ...args, '--backend', 'builtin']);

describe('cutline model-check Spec.tla', () => {
  it('checks a spec with the .cfg beside it: no error, TLC counts, exit 0', async () => {
    const run = await check(join(specs, 'DieHard.tla'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Model checking completed. No error has been found.\n97 states generated, 16 distinct states found.\n');
    expect(run.stdout).toContain('The depth of the complete state graph search is 8.');
  });

  it('exits 12 on a violated invariant, with the behaviour that violates it', async () => {
    const run = await check(join(specs, 'DieHard.tla'), '--cfg', join(specs, 'DieHardSolved.cfg'));
    expect(run.code).toBe(12);
    expect(run.stdout).toMatch(/Error: Invariant NotSolved is violated\.\nThe behavior up to this point is:\nState 1: <Initial predicate>/);
    expect(run.stdout).toMatch(/State 7: <BigToSmall line \d+, col \d+ of module DieHard>\n {2}\/\\ small = 3\n {2}\/\\ big = 4\n/);
  });

  it('exits 13 on a violated temporal property, and gives the result as one JSON object with --json', async () => {
    const run = await check(join(specs, 'Cycle.tla'), '--cfg', join(specs, 'CycleUnfair.cfg'), '--json');
    expect(run.code).toBe(13);
    const result = JSON.parse(run.stdout) as { exitStatus: number; outcome: string; violated: string; loopsBackTo?: number };
    expect(result).toMatchObject({ exitStatus: 13, outcome: 'property-violated', violated: 'OftenTwo' });
    expect(result.loopsBackTo).toBeGreaterThan(0);
  });

  it("exits 13 on a violated action property and 12 on a [](P => []Q) that a finite behavior refutes, in TLC's words", async () => {
    const action = await check(join(specs, 'ActionProp.tla'), '--cfg', join(specs, 'ActionPropReset.cfg'));
    expect(action.code).toBe(13);
    expect(action.stdout).toMatch(
      /Error: Action property Grows is violated\.\nThe behavior up to this point is:\nState 1: <Initial predicate>/,
    );
    expect(action.stdout).toMatch(/State 7: <Reset line 11, col \d+ of module ActionProp>\n {2}\/\\ x = 0\n {2}\/\\ y = 0\n/);
    const temporal = await check(join(specs, 'ActionProp.tla'), '--cfg', join(specs, 'ActionPropThenNow.cfg'));
    expect(temporal.code).toBe(12);
    expect(temporal.stdout).toContain(
      'Error: Temporal property XThenY was violated.\nThe following behavior constitutes a counter-example:\n',
    );
    expect(temporal.stdout).toContain('13 states generated, 10 distinct states found.');
    const lasso = await check(join(specs, 'ActionProp.tla'), '--cfg', join(specs, 'ActionPropOftenFair.cfg'));
    expect(lasso.code).toBe(13);
    expect(lasso.stdout).toContain(
      'Error: Temporal property OftenXFirst was violated.\nThe following behavior constitutes a counter-example:\n',
    );
    expect(lasso.stdout).toContain('Back to state 1.');
  });

  it('exits 150 on a module that does not parse and 151 on a configuration naming what the module lacks', async () => {
    writeFileSync(join(scratch, 'Bad.tla'), "---- MODULE Bad ----\nVARIABLE x\nInit == x =\nNext == x' = x\n====\n");
    writeFileSync(join(scratch, 'Bad.cfg'), 'INIT Init\nNEXT Next\n');
    const syntax = await check(join(scratch, 'Bad.tla'));
    expect(syntax.code).toBe(150);
    expect(syntax.stdout).toContain(`Error: [TLA_SYNTAX] ${join(scratch, 'Bad.tla')}:4:`);
    writeFileSync(join(scratch, 'Nope.cfg'), 'INIT Init\nNEXT Nope\n');
    const config = await check(join(specs, 'DieHard.tla'), '--cfg', join(scratch, 'Nope.cfg'));
    expect(config.code).toBe(151);
    expect(config.stdout).toContain('NEXT Nope is not defined in module DieHard');
  });

  it('refuses a missing module or configuration (USAGE, exit 2) and a module with --all', async () => {
    const missing = await check(join(scratch, 'Missing.tla'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`error [USAGE]: there is no module ${join(scratch, 'Missing.tla')}`);
    writeFileSync(join(scratch, 'Lonely.tla'), '---- MODULE Lonely ----\n====\n');
    const noConfig = await check(join(scratch, 'Lonely.tla'));
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toContain(`there is no configuration ${join(scratch, 'Lonely.cfg')}`);
    expect((await check(join(specs, 'DieHard.tla'), '--all')).code).toBe(2);
  });
});
