// The engine's data directory descriptor (engine.json): written once, checked on every start.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CutlineError } from '../errors.js';

export const engineDescriptorVersion = 1;
export const engineDescriptorFile = 'engine.json';

export interface EngineDescriptor {
  readonly version: number;
  readonly partitionCount: number;
}

/**
 * Creates engine.json in a new data directory, or checks that an existing one matches: partitions own
 * their correlation keys by hash, so changing the partition count of existing data would strand state.
 */
export function ensureEngineDescriptor(dataDirectory: string, partitionCount: number): EngineDescriptor {
  const descriptorPath = path.join(dataDirectory, engineDescriptorFile);
  fs.mkdirSync(dataDirectory, { recursive: true });
  if (!fs.existsSync(descriptorPath)) {
    const descriptor: EngineDescriptor = { version: engineDescriptorVersion, partitionCount };
    const temporary = `${descriptorPath}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(descriptor, null, 2)}\n`);
    fs.renameSync(temporary, descriptorPath);
    return descriptor;
  }
  let descriptor: EngineDescriptor;
  try {
    descriptor = JSON.parse(fs.readFileSync(descriptorPath, 'utf8')) as EngineDescriptor;
  } catch (error) {
    throw new CutlineError('USAGE', `${descriptorPath} is not valid JSON`, {
      cause: error,
      hint: 'Point --data-dir at an engine data directory.',
    });
  }
  if (descriptor.version !== engineDescriptorVersion) {
    throw new CutlineError(
      'USAGE',
      `${descriptorPath} has version ${String(descriptor.version)}; this cutline reads version ${engineDescriptorVersion}`,
      {
        hint: 'Use the cutline version that wrote this data directory.',
      },
    );
  }
  if (descriptor.partitionCount !== partitionCount) {
    throw new CutlineError(
      'USAGE',
      `the data directory ${dataDirectory} holds ${descriptor.partitionCount} partitions, not ${partitionCount}`,
      {
        hint: `Start with --partitions ${descriptor.partitionCount}, or use an empty data directory.`,
      },
    );
  }
  return descriptor;
}
