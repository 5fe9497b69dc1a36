// Which engine versions' data this cutline can open: backups record the writer's version (cutlineVersion), restore checks it.
import { cutlineVersion } from '../version.js';

interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

function parseVersion(text: string): Version | undefined {
  const match = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:[-+].*)?$/.exec(text);
  if (match === null) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

/**
 * Why data written by engine version `written` cannot be opened by engine version `reading`, or
 * undefined when it can. Semantic versioning: the same major version (and, before 1.0, the same minor
 * version, since 0.x releases may change the format) and not newer than the reader, whose format the
 * reader cannot know.
 */
export function engineVersionIncompatibility(written: string, reading: string = cutlineVersion): string | undefined {
  const data = parseVersion(written);
  const ours = parseVersion(reading);
  if (ours === undefined) return `this cutline's own engine version ${JSON.stringify(reading)} is not a semantic version`;
  if (data === undefined) return `engine version ${JSON.stringify(written)} is not a semantic version (MAJOR.MINOR.PATCH)`;
  if (data.major !== ours.major) return `engine version ${written} has another major version than this cutline's ${reading}`;
  if (ours.major === 0 && data.minor !== ours.minor)
    return `engine version ${written} is another 0.x minor release than this cutline's ${reading}`;
  const newer = data.minor > ours.minor || (data.minor === ours.minor && data.patch > ours.patch);
  if (newer) return `engine version ${written} is newer than this cutline's ${reading}`;
  return undefined;
}
