// The rules every object key and metadata entry obeys, checked before any store is touched.
import { CutlineError } from '../errors.js';
import { storeKeyBytesMax, storeMetadataBytesMax } from '../limits.js';
import type { ByteRange, ObjectMetadata } from './backup-store.js';

// One path component: starts with a letter, digit or `_` (so never `.`, `..` or a hidden
// temporary file of the filesystem store), then letters, digits and `._=+,@-`.
const componentPattern = /^[A-Za-z0-9_][A-Za-z0-9._=+,@-]*$/;
const metadataNamePattern = /^[a-z0-9][a-z0-9-]{0,63}$/;
const metadataValuePattern = /^[\x20-\x7e]*$/;

const keyHint = 'Keys are relative paths of components made of letters, digits and ._=+,@- (see FORMAT.md, "Backup store layout").';

/** Throws STORE_KEY_INVALID naming what is wrong with key; returns its components otherwise. */
export function validateKey(key: string): string[] {
  const fail = (why: string): never => {
    throw new CutlineError('STORE_KEY_INVALID', `invalid object key ${JSON.stringify(key)}: ${why}`, { hint: keyHint });
  };
  if (key.length === 0) fail('it is empty');
  if (key.includes('\0')) fail('it contains a NUL character');
  if (key.startsWith('/') || /^[A-Za-z]:/.test(key) || key.startsWith('\\')) fail('it is an absolute path');
  if (key.includes('\\')) fail('it contains a backslash');
  if (Buffer.byteLength(key) > storeKeyBytesMax) fail(`it is longer than ${storeKeyBytesMax} bytes`);
  const components = key.split('/');
  for (const component of components) {
    if (component === '..') fail('it contains a `..` component');
    if (component === '.') fail('it contains a `.` component');
    if (component === '') fail('it has an empty component (`//` or a trailing `/`)');
    if (!componentPattern.test(component))
      fail(`component ${JSON.stringify(component)} has a character outside the key alphabet or starts with one of ._=+,@-`);
  }
  return components;
}

/** A list prefix is a key prefix: it may be empty or end with `/`, otherwise the key rules hold. */
export function validatePrefix(prefix: string): void {
  if (prefix === '') return;
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  validateKey(trimmed);
}

/** Throws STORE_KEY_INVALID when metadata would not survive every store unchanged. */
export function validateMetadata(metadata: ObjectMetadata): void {
  let totalBytes = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (!metadataNamePattern.test(name)) {
      throw new CutlineError(
        'STORE_KEY_INVALID',
        `invalid metadata name ${JSON.stringify(name)}: use lower-case letters, digits and '-', at most 64`,
      );
    }
    if (!metadataValuePattern.test(value)) {
      throw new CutlineError(
        'STORE_KEY_INVALID',
        `invalid value of metadata ${name}: only printable ASCII is stored unchanged by every store`,
      );
    }
    totalBytes += name.length + value.length;
  }
  if (totalBytes > storeMetadataBytesMax) {
    throw new CutlineError(
      'LIMIT_EXCEEDED',
      `object metadata of ${totalBytes} bytes exceeds storeMetadataBytesMax (${storeMetadataBytesMax})`,
    );
  }
}

/** Resolves a range against an object's size: [start, endExclusive), or STORE_RANGE_INVALID. */
export function resolveRange(key: string, range: ByteRange, sizeBytes: number): { start: number; endExclusive: number } {
  const { offsetBytes, lengthBytes } = range;
  const valid =
    Number.isSafeInteger(offsetBytes) &&
    offsetBytes >= 0 &&
    (lengthBytes === undefined || (Number.isSafeInteger(lengthBytes) && lengthBytes >= 0));
  if (!valid) throw new CutlineError('STORE_RANGE_INVALID', `invalid byte range ${JSON.stringify(range)} for ${key}`);
  const empty = lengthBytes === 0;
  if (offsetBytes > sizeBytes || (offsetBytes === sizeBytes && !empty && sizeBytes > 0) || (sizeBytes === 0 && offsetBytes > 0)) {
    throw new CutlineError(
      'STORE_RANGE_INVALID',
      `byte range from offset ${offsetBytes} starts beyond the end of ${key} (${sizeBytes} bytes)`,
    );
  }
  const endExclusive = lengthBytes === undefined ? sizeBytes : Math.min(sizeBytes, offsetBytes + lengthBytes);
  return { start: offsetBytes, endExclusive };
}
