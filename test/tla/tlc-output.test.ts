// TLC -tool transcripts (in TLC 2.19's format) parse into the verdict, counts and trace TLC reported.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTlcRun } from '../../src/tla/tlc-result.js';
import { splitTlcMessages } from '../../src/tla/tlc-messages.js';
import { configProperties, tlcArguments } from '../../src/tla/tlc-backend.js';
import { formatSpecResult, tlcExitStatus } from '../../src/tla/spec-check.js';

function transcript(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

function parse(output: string, exitCode: number | null = 0, properties: readonly string[] = []) {
  return parseTlcRun({ output, exitCode, durationMs: 5, properties });
}

describe('splitTlcMessages', () => {
  it('frames messages with code and class and keeps loose lines', () => {
    const { messages, loose } = splitTlcMessages(transcript('tlc-invariant-violated.txt'));
    expect(messages[0]).toEqual({ code: 2262, messageClass: 0, body: 'TLC2 Version 2.19 of 08 August 2024 (rev: 5a47802)' });
    expect(messages.find((m) => m.code === 2110)).toMatchObject({ messageClass: 1, body: 'Invariant ConsistentCut is violated.' });
    expect(loose).toContain('Semantic processing of module CheckpointProtocol');
  });

  it('returns a message TLC left open when it was killed', () => {
    const { messages } = splitTlcMessages('@!@!@STARTMSG 2200:0 @!@!@\nProgress(3) at ...');
    expect(messages).toEqual([{ code: 2200, messageClass: 0, body: 'Progress(3) at ...' }]);
  });
});

describe('parseTlcRun', () => {
  it('reads an invariant violation with its counterexample and comma-grouped counts', () => {
    const result = parse(transcript('tlc-invariant-violated.txt'), 12);
    expect(result).toMatchObject({
      backend: 'tlc',
      outcome: 'invariant-violated',
      violated: 'ConsistentCut',
      statesGenerated: 1234,
      distinctStates: 567,
      depth: 9,
    });
    expect(result.trace).toHaveLength(3);
    expect(result.trace?.[0]).toEqual({
      index: 1,
      action: 'Initial predicate',
      variables: { log: '(1 :> <<>> @@ 2 :> <<>>)', processed: '(1 :> 0 @@ 2 :> 0)', msgs: '{}' },
    });
    expect(result.trace?.[1]?.action).toBe('Trigger(k) line 131, col 5 to line 135, col 109 of module CheckpointProtocol');
    // A value TLC wraps over several lines is kept whole, in order.
    expect(result.trace?.[2]?.variables['log']).toBe(
      '( 1 :> <<>> @@\n  2 :>\n      << [ type |-> "CREATE",\n           id |-> 1,\n           kind |-> "BACKUP",\n           msg |-> 0,\n           peer |-> 0 ] >> )',
    );
    expect(result.trace?.[2]?.variables['msgs']).toBe('{}');
    expect(result.liveness).toEqual({ checked: false, note: 'the model lists no PROPERTY' });
  });

  it('reads a pass that checked temporal properties', () => {
    const result = parse(transcript('tlc-success-liveness.txt'), 0, ['CheckpointReached']);
    expect(result).toMatchObject({
      outcome: 'pass',
      statesGenerated: 4301877,
      distinctStates: 720504,
      depth: 23,
      liveness: { checked: true },
    });
    expect(result.trace).toBeUndefined();
    expect(result.violated).toBeUndefined();
  });

  it('reads a temporal violation as a lasso', () => {
    const result = parse(transcript('tlc-temporal-violated.txt'), 13, ['Terminates']);
    expect(parse(transcript('tlc-temporal-violated.txt'), 13, ['Terminates', 'Other']).violated).toBeUndefined();
    expect(result).toMatchObject({
      outcome: 'property-violated',
      violated: 'Terminates',
      distinctStates: 3,
      depth: 3,
      loopsBackTo: 1,
      liveness: { checked: true },
    });
    expect(result.trace?.map((s) => s.index)).toEqual([1, 2]);
    expect(result.trace?.[1]?.variables).toEqual({ x: '1', done: 'FALSE' });
  });

  it("reads a parse error as an error carrying TLC's message", () => {
    const result = parse(transcript('tlc-parse-error.txt'), 255);
    expect(result.outcome).toBe('error');
    expect(result.message).toContain('Parsing or semantic analysis failed.');
  });

  it('reads an invariant violated by an initial state, with that state as the trace', () => {
    const result = parse(transcript('tlc-initial-violated.txt'), 12);
    expect(result).toMatchObject({ outcome: 'invariant-violated', violated: 'TypeOK', distinctStates: 2 });
    expect(result.trace).toEqual([{ index: 1, action: 'Initial predicate', variables: { x: '-1', y: '"a"' } }]);
  });

  it('reads a deadlock and a stuttering end', () => {
    const output = [
      '@!@!@STARTMSG 2114:1 @!@!@',
      'Deadlock reached.',
      '@!@!@ENDMSG 2114 @!@!@',
      '@!@!@STARTMSG 2121:1 @!@!@',
      'The behavior up to this point is:',
      '@!@!@ENDMSG 2121 @!@!@',
      '@!@!@STARTMSG 2217:4 @!@!@',
      '1: <Initial predicate>',
      'x = 0',
      '',
      '@!@!@ENDMSG 2217 @!@!@',
      '@!@!@STARTMSG 2218:4 @!@!@',
      '2: Stuttering',
      '@!@!@ENDMSG 2218 @!@!@',
      '@!@!@STARTMSG 2199:0 @!@!@',
      '2 states generated, 1 distinct states found, 0 states left on queue.',
      '@!@!@ENDMSG 2199 @!@!@',
    ].join('\n');
    const result = parse(output, 11);
    expect(result).toMatchObject({ outcome: 'deadlock', distinctStates: 1, statesGenerated: 2 });
    expect(result.trace).toEqual([
      { index: 1, action: 'Initial predicate', variables: { x: '0' } },
      { index: 2, action: 'Stuttering', variables: { x: '0' } },
    ]);
  });

  // TLC_TEMPORAL_PROPERTY_VIOLATED serves a lasso and a finite behavior that refutes [](P => []Q); TLC exits 13 for the
  // first and 12 for the second (VIOLATION_SAFETY), and names the property when it knows it.
  const temporalRun = (name: string, states: readonly string[]): string =>
    [
      '@!@!@STARTMSG 2116:1 @!@!@',
      `Temporal property ${name} was violated.`,
      '@!@!@ENDMSG 2116 @!@!@',
      '@!@!@STARTMSG 2264:1 @!@!@',
      'The following behavior constitutes a counter-example:',
      '@!@!@ENDMSG 2264 @!@!@',
      ...states,
      '@!@!@STARTMSG 2199:0 @!@!@',
      '13 states generated, 10 distinct states found, 3 states left on queue.',
      '@!@!@ENDMSG 2199 @!@!@',
    ].join('\n');
  const state = (index: number, action: string, x: number): string[] => [
    '@!@!@STARTMSG 2217:4 @!@!@',
    `${index}: <${action}>`,
    `x = ${x}`,
    '',
    '@!@!@ENDMSG 2217 @!@!@',
  ];

  it('reads a temporal property that a finite behavior refutes as a safety verdict, with its name', () => {
    const result = parse(temporalRun('XThenY', [...state(1, 'Initial predicate', 0), ...state(2, 'IncX line 9', 1)]), 12, ['A', 'XThenY']);
    expect(result).toMatchObject({ outcome: 'property-violated', violated: 'XThenY', propertyKind: 'safety', distinctStates: 10 });
    expect(tlcExitStatus(result)).toBe(12);
    expect(formatSpecResult(result, 'Spec.tla', 'Spec.cfg')).toContain('Error: Temporal property XThenY was violated.');
  });

  it('reads a property violated by the initial state, with its extent as the name and the state as the trace', () => {
    const output = [
      '@!@!@STARTMSG 2108:1 @!@!@',
      'Property line 9, col 8 to line 9, col 12 of module InitProp is violated by the initial state:',
      'x = 0',
      '@!@!@ENDMSG 2108 @!@!@',
    ].join('\n');
    const result = parse(output, 13, ['Bad']);
    expect(result).toMatchObject({
      outcome: 'property-violated',
      propertyKind: 'initial',
      violated: 'line 9, col 8 to line 9, col 12 of module InitProp',
    });
    expect(result.trace).toEqual([{ index: 1, action: 'Initial predicate', variables: { x: '0' } }]);
    expect(tlcExitStatus(result)).toBe(13);
  });

  it('reads a lasso as a liveness verdict, and an action property by its own message', () => {
    const lasso = parse(transcript('tlc-temporal-violated.txt'), 13, ['Terminates']);
    expect(lasso.propertyKind).toBe('liveness');
    expect(tlcExitStatus(lasso)).toBe(13);
    const action = parse(
      [
        '@!@!@STARTMSG 2112:1 @!@!@',
        'Action property Grows is violated.',
        '@!@!@ENDMSG 2112 @!@!@',
        ...state(1, 'Initial predicate', 0),
      ].join('\n'),
      13,
      ['NeverReset'],
    );
    expect(action).toMatchObject({ outcome: 'property-violated', violated: 'Grows', propertyKind: 'action' });
    expect(tlcExitStatus(action)).toBe(13);
  });

  it('reports a run without a verdict as an error naming how it ended', () => {
    const result = parse('Error: Could not find or load main class tlc2.TLC\n', 1);
    expect(result.outcome).toBe('error');
    expect(result.message).toBe('TLC exited with status 1 without a verdict:\nError: Could not find or load main class tlc2.TLC');
    expect(parse('', null).message).toBe('TLC was killed without a verdict');
  });
});

describe('TLC invocation', () => {
  it('runs TLC in tool mode with the config, workers and a scratch metadir', () => {
    expect(tlcArguments('/opt/tla2tools.jar', 'M.tla', 'M.cfg', '/tmp/x/states', 2)).toEqual([
      '-XX:+UseParallelGC',
      '-cp',
      '/opt/tla2tools.jar',
      'tlc2.TLC',
      '-tool',
      '-config',
      'M.cfg',
      '-workers',
      '2',
      '-metadir',
      '/tmp/x/states',
      '-cleanup',
      'M.tla',
    ]);
  });

  it('reads PROPERTY entries but not commented-out ones', () => {
    expect(configProperties('SPECIFICATION Spec\nPROPERTY\n  Live\nINVARIANT TypeOK\n')).toEqual(['Live']);
    expect(configProperties('SPECIFICATION Spec\nPROPERTIES Live Safe\nCHECK_DEADLOCK FALSE\n')).toEqual(['Live', 'Safe']);
    expect(configProperties('INIT Init\n\\* PROPERTY Live\n(* PROPERTY Live *)\nNEXT Next\n')).toEqual([]);
  });
});
