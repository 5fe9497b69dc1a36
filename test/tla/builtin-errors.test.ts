// Bad input to the built-in checker: each error names what is wrong and where (file:line:column), never a wrong answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinBackend } from '../../src/tla/builtin/index.js';
import { tlcExitStatus } from '../../src/tla/spec-check.js';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cutline-tla-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function run(body: string, cfg = 'INIT Init\nNEXT Next\n'): Promise<string> {
  const name = `M${Math.random().toString(36).slice(2, 8)}`;
  const specPath = join(scratch, `${name}.tla`);
  await writeFile(specPath, `---- MODULE ${name} ----\n${body}\n====\n`);
  await writeFile(join(scratch, `${name}.cfg`), cfg);
  const result = await builtinBackend.check({ specPath, configPath: join(scratch, `${name}.cfg`) });
  expect(result.outcome).toBe('error');
  return (result.message ?? '').replace(specPath, 'FILE');
}

const base = 'EXTENDS Naturals\nVARIABLE x\nInit == x = 0\n';

describe('built-in checker errors', () => {
  it('reports a syntax error at its line and column', async () => {
    expect(await run(`${base}Next == x' = (x + 1\n`)).toMatch(/^\[TLA_SYNTAX\] FILE:\d+:\d+: syntax error/);
  });

  it('reports an unknown operator with its location and the module that defines it', async () => {
    expect(await run(`${base}Next == x' = x + 1 /\\ Len(<<>>) = 0`)).toBe(
      '[TLA_SYNTAX] FILE:5:23: unknown operator Len (it is defined in the standard module Sequences: add it to EXTENDS)',
    );
  });

  it('refuses Len after only EXTENDS TLC, as SANY does (TLC instantiates Sequences LOCALly)', async () => {
    expect(await run(`EXTENDS TLC\nVARIABLE x\nInit == x = <<>>\nNext == x' = x /\\ Len(x) = 0`)).toBe(
      '[TLA_SYNTAX] FILE:5:19: unknown operator Len (it is defined in the standard module Sequences: add it to EXTENDS)',
    );
  });

  it('reports an operator applied with the wrong number of arguments', async () => {
    expect(await run(`${base}Inc(n) == n + 1\nNext == x' = Inc(x, 2)`)).toBe('[TLA_SYNTAX] FILE:6:14: Inc takes 1 argument but is given 2');
  });

  it('checks the operator given to a higher-order operator', async () => {
    const ho = `${base}Apply(F(_), v) == F(v)\nInc(n) == n + 1\n`;
    expect(await run(`${ho}Next == x' = Apply(Inc, x, 1)`)).toBe('[TLA_SYNTAX] FILE:7:14: Apply takes 2 arguments but is given 3');
    expect(await run(`${ho}Add(a, b) == a + b\nNext == x' = Apply(Add, x)`)).toBe(
      '[TLA_SYNTAX] FILE:8:20: Apply expects an operator of 1 argument here, Add takes 2',
    );
    expect(await run(`${ho}Next == x' = Apply(LAMBDA a, b : a, x)`)).toBe(
      '[TLA_SYNTAX] FILE:7:20: Apply expects an operator of 1 argument here, the LAMBDA takes 2',
    );
    expect(await run(`${ho}Next == x' = Apply(Inc(x), x)`)).toBe('[TLA_SYNTAX] FILE:7:20: Apply expects an operator of 1 argument here');
    expect(await run(`${ho}Next == x' = Inc(LAMBDA a : a)`)).toBe('[TLA_SYNTAX] FILE:7:18: Inc expects a value here, not a LAMBDA');
  });

  it('reports a recursive function applied outside its domain', async () => {
    expect(await run(`${base}f[k \\in 0..2] == IF k = 0 THEN 0 ELSE f[k - 1]\nNext == x' = f[x + 3]`)).toMatch(
      /^\[TLA_EVAL\] FILE:6:14: applied f to 3, which is not in its domain/,
    );
  });

  it('reports a use before definition', async () => {
    expect(await run(`${base}Next == x' = Later\nLater == 1`)).toMatch(/^\[TLA_SYNTAX\] FILE:5:14: unknown operator Later$/);
  });

  it('rejects /\\ and \\/ mixed without parentheses, as SANY does', async () => {
    expect(await run(`${base}Next == x' = 1 /\\ x = 0 \\/ x = 1`)).toMatch(/precedence conflict between \/\\ and \\\/: add parentheses/);
  });

  it('rejects two user-defined infix operators of the same precedence without parentheses, as SANY does', async () => {
    const ops = `${base}a ++ b == a + b\na (+) b == a * b\n`;
    expect(await run(`${ops}Next == x' = x (+) 1 ++ 2`)).toBe(
      '[TLA_SYNTAX] FILE:7:14: precedence conflict between (+) and ++: add parentheses',
    );
    expect(await run(`${ops}Next == x' = x /\\ x \\prec 1`)).toBe('[TLA_SYNTAX] FILE:7:19: unknown operator \\prec');
  });

  it('reports what an INSTANCE cannot substitute or does not define', async () => {
    const counter = fileURLToPath(new URL('./specs/Counter.tla', import.meta.url));
    await copyFile(counter, join(scratch, 'Counter.tla'));
    const inst = 'EXTENDS Naturals\nVARIABLE x\n';
    expect(await run(`${inst}C == INSTANCE Counter WITH Limit <- 2, count <- x, Other <- 1\nInit == C!Init\nNext == C!Next`)).toBe(
      '[TLA_SYNTAX] FILE:4:1: INSTANCE Counter substitutes Other, which is not a CONSTANT or VARIABLE of Counter',
    );
    expect(await run(`${inst}C == INSTANCE Counter WITH Limit <- 2, count <- x\nInit == C!Init\nNext == C!Step`)).toBe(
      '[TLA_SYNTAX] FILE:6:9: unknown operator C!Step',
    );
    expect(await run(`${inst}C == INSTANCE Counter WITH count <- x\nInit == C!Init\nNext == C!Next`)).toBe(
      '[TLA_SYNTAX] FILE:4:1: unknown operator Limit',
    );
    expect(await run(`${inst}C == INSTANCE Missing\nInit == x = 0\nNext == x' = x`)).toMatch(
      /^\[TLA_SYNTAX\] FILE:4:\d+: cannot find module Missing/,
    );
  });

  it('refuses a module of the TLC library it does not implement by naming it', async () => {
    const init = "VARIABLE x\nInit == x = 0\nNext == x' = x";
    expect(await run(`EXTENDS Naturals, TLAPS\n${init}`)).toBe(
      '[TLA_UNSUPPORTED] FILE:2:19: the built-in checker does not support the TLAPS proof module TLAPS',
    );
    expect(await run(`EXTENDS Reals\n${init}`)).toBe(
      '[TLA_UNSUPPORTED] FILE:2:9: the built-in checker does not support the standard module Reals',
    );
    expect(await run(`EXTENDS SequencesExt\n${init}`)).toBe(
      '[TLA_UNSUPPORTED] FILE:2:9: the built-in checker does not support the CommunityModules module SequencesExt',
    );
  });

  it("refuses TLC's run-dependent operators by name, not as unknown (TLC.tla declares them)", async () => {
    const tlcBase = 'EXTENDS Naturals, TLC\nVARIABLE x\nInit == x = 0\n';
    expect(await run(`${tlcBase}Next == x' = x /\\ TLCGet("level") < 5`)).toBe(
      "[TLA_UNSUPPORTED] FILE:5:19: the built-in checker does not support TLCGet (it reads TLC's registers and the statistics of its run)",
    );
    expect(await run(`${tlcBase}Next == x' = RandomElement({0, 1})`)).toMatch(/^\[TLA_UNSUPPORTED\] FILE:5:14: .*RandomElement/);
  });

  // TLC (tla2tools built from tlaplus/tlaplus) on this module with N = 2: "Error: Assumption line 5, col 8 to line 6,
  // col 15 of module A is false.", exit 10; with N = 1 and no INIT/NEXT: no error, 0 states, depth 0, exit 0.
  const assuming = 'EXTENDS Naturals\nCONSTANT N\nASSUME N \\in 1..3\nASSUME /\\ N > 0\n       /\\ N < 2';
  it('reports a false ASSUME as TLC does, by its extent, with exit status 10', async () => {
    expect(await run(assuming, 'CONSTANT N = 2\n')).toMatch(
      /^\[TLA_ASSUMPTION\] FILE:5:8: Assumption line 5, col 8 to line 6, col 15 of module M\w+ is false\.$/,
    );
  });

  it('checks a model of constants only (no SPECIFICATION, INIT or NEXT) as TLC does: its ASSUMEs, and no state', async () => {
    const specPath = join(scratch, 'Assuming.tla');
    await writeFile(specPath, `---- MODULE Assuming ----\n${assuming}\n====\n`);
    await writeFile(join(scratch, 'Assuming.cfg'), 'CONSTANT N = 1\n');
    const result = await builtinBackend.check({ specPath, configPath: join(scratch, 'Assuming.cfg') });
    expect(result).toMatchObject({ outcome: 'pass', distinctStates: 0, statesGenerated: 0, depth: 0 });
    expect(tlcExitStatus(result)).toBe(0);
    await writeFile(join(scratch, 'Assuming.cfg'), 'CONSTANT N = 2\n');
    expect(tlcExitStatus(await builtinBackend.check({ specPath, configPath: join(scratch, 'Assuming.cfg') }))).toBe(10);
    await writeFile(join(scratch, 'Assuming.cfg'), 'CONSTANT N = 1\nINIT Init\n');
    expect((await builtinBackend.check({ specPath, configPath: join(scratch, 'Assuming.cfg') })).message).toMatch(
      /names one of INIT and NEXT without the other/,
    );
  });

  // TLC refuses it in its configuration (exit 151): "The formula Step ... is an action-level formula".
  it('refuses an action-level PROPERTY as TLC does, naming it and its extent', async () => {
    const body = `${base}Next == x < 3 /\\ x' = x + 1\nSpec == Init /\\ [][Next]_x\nStep == x' > x`;
    expect(await run(body, 'SPECIFICATION Spec\nPROPERTY Step\n')).toMatch(
      /^\[TLA_CONFIG\] FILE:7:9: the formula Step at line 7, col 9 to line 7, col 14 of module M\w+ is an action-level formula; only temporal or state-level formulas are allowed under PROPERTY$/,
    );
  });

  it('refuses a SYMMETRY set that holds a function that is not a permutation', async () => {
    const body = `EXTENDS TLC\nCONSTANT A\nVARIABLE x\nSym == {[v \\in A |-> CHOOSE w \\in A : TRUE]}\nInit == x \\in A\nNext == x' = x`;
    expect(await run(body, 'CONSTANT A = {a1, a2}\nINIT Init\nNEXT Next\nSYMMETRY Sym\n')).toMatch(
      /^\[TLA_EVAL\] FILE:\d+:\d+: the SYMMETRY set Sym holds a function that is not a permutation of its domain/,
    );
  });

  it('reports a constant operator the .cfg does not substitute, and an unbounded CHOOSE it evaluates', async () => {
    expect(await run(`EXTENDS Naturals\nCONSTANT F(_)\nVARIABLE x\nInit == x = F(0)\nNext == x' = x`)).toMatch(
      /^\[TLA_CONFIG\] .*the constant operator F has no substitution in the \.cfg/,
    );
    expect(await run(`${base}None == CHOOSE v : v \\notin {0}\nNext == x' = None`)).toMatch(
      /^\[TLA_UNSUPPORTED\] FILE:5:9: the built-in checker does not support unbounded CHOOSE/,
    );
  });

  it('names an unsupported construct instead of guessing', async () => {
    expect(await run(`${base}I == INSTANCE Naturals\nNext == x' = x`)).toMatch(
      /^\[TLA_UNSUPPORTED\] FILE:5:\d+: the built-in checker does not support INSTANCE/,
    );
  });

  it('refuses a tuple in the .cfg as TLC does, pointing to a substitution', async () => {
    const module = `EXTENDS Naturals\nCONSTANT K\nVARIABLE x\nInit == x = K\nNext == x' = x\nPair == <<1, 2>>`;
    expect(await run(module, 'INIT Init\nNEXT Next\nCONSTANTS\n  K = <<1, 2>>\n')).toMatch(
      /^\[TLA_CONFIG\] .*:4: a tuple \(<<\.\.\.>>\) is not a value a configuration may give .*NAME <- Definition/,
    );
    // `K <- Pair` is how the models of spec/PointInTimeRestore*.cfg give their tuples (builtin-spec-models.test.ts).
  });

  it('reports a constant the .cfg does not give a value', async () => {
    expect(await run(`EXTENDS Naturals\nCONSTANT N\nVARIABLE x\nInit == x = N\nNext == x' = x`)).toMatch(
      /^\[TLA_CONFIG\] .*the constant N has no value in the \.cfg/,
    );
  });

  it('reports a failed Assert and a successor that leaves a variable unassigned', async () => {
    expect(await run(`EXTENDS Naturals, TLC\nVARIABLE x\nInit == x = 0\nNext == Assert(x < 0, "x is negative") /\\ x' = x`)).toMatch(
      /^\[TLA_EVAL\] FILE:5:9: Assert failed: "x is negative"/,
    );
    expect(await run(`EXTENDS Naturals\nVARIABLES x, y\nInit == x = 0 /\\ y = 0\nNext == x' = 1`)).toMatch(
      /not completely specified .*y is not assigned/,
    );
  });
});
