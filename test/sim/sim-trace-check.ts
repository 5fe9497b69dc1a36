// The trace checker: a run's protocol trace, backups and restores included, validated against spec/CheckpointProtocolTrace.tla.
import { join } from 'node:path';
import type { TraceEvent } from '../../src/engine/trace-sink.js';
import { validateTrace } from '../../src/tla/trace/trace-validation.js';
import type { SimViolation } from './sim-checks.js';

const specDirectory = join(import.meta.dirname, '../../spec');

/**
 * TraceIsSpecBehaviour: the trace validates. A settled run's end is checked too (every trigger delivered,
 * every record processed); its network may lose commands, so not that every command sent was received.
 */
export async function checkTrace(events: readonly TraceEvent[], settled: boolean): Promise<SimViolation[]> {
  const verdict = await validateTrace(
    events.map((event, index) => ({ line: index + 1, event })),
    'trace',
    {
      specPath: join(specDirectory, 'CheckpointProtocolTrace.tla'),
      configPath: join(specDirectory, 'CheckpointProtocolTrace.cfg'),
      ...(settled ? { settled: { lossless: false } } : {}),
    },
  );
  const rejection = verdict.rejection;
  if (rejection === undefined) return [];
  const message = `trace line ${rejection.line} (${JSON.stringify(rejection.event)}): expected ${rejection.expected}; ${rejection.details.join('; ')}`;
  return [{ invariant: 'TraceIsSpecBehaviour', message }];
}
