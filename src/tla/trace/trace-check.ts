// `cutline model-check --trace FILE`: validates an engine's protocol trace file against the trace spec with the built-in checker.
import { dirname, join } from 'node:path';
import { CutlineError } from '../../errors.js';
import { defaultModelsPath } from '../models.js';
import { readTraceFile, type TraceLine } from './trace-reader.js';
import { formatTraceVerdict, traceVerdictJson } from './trace-report.js';
import { validateTrace } from './trace-validation.js';

export interface TraceCheckArguments {
  readonly trace: string;
  readonly spec?: string | undefined;
  readonly config?: string | undefined;
  readonly json: boolean;
  /** The run stopped settled over the engine's lossless in-process network: its end is checked (TraceSettled(TRUE)). */
  readonly settled?: boolean;
}

/** The trace spec shipped in spec/; --spec alone implies the .cfg beside it. */
export function traceSpecPaths(args: Pick<TraceCheckArguments, 'spec' | 'config'>): { specPath: string; configPath: string } {
  const specPath = args.spec ?? join(dirname(defaultModelsPath()), 'CheckpointProtocolTrace.tla');
  return { specPath, configPath: args.config ?? specPath.replace(/\.tla$/, '.cfg') };
}

export async function checkTrace(
  args: TraceCheckArguments,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<void> {
  const lines: TraceLine[] = [];
  for await (const line of readTraceFile(args.trace)) lines.push(line);
  const verdict = await validateTrace(lines, args.trace, {
    ...traceSpecPaths(args),
    ...(args.settled === true ? { settled: { lossless: true } } : {}),
  });
  write(args.json ? traceVerdictJson(verdict, args.trace) : formatTraceVerdict(verdict, args.trace));
  const rejection = verdict.rejection;
  if (rejection !== undefined) {
    throw new CutlineError(
      'TRACE_REJECTED',
      `${args.trace}:${rejection.line}: the spec does not allow this ${rejection.event.event} event (expected ${rejection.expected})`,
      {
        hint: 'The engine did something the protocol spec forbids at that event; the lines above say what the spec would have done.',
      },
    );
  }
}
