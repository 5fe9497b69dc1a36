// The JSON Schema of a backup manifest (format version 1), published as FORMAT.md's "Manifest" section describes it.
import { backupPartitionsMax, chunkBytesMax, fileChunksMax, manifestFilesMax } from '../limits.js';
import { chunkHeaderBytes } from './chunk-format.js';

const position = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const identifier = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;

/** JSON Schema (draft-07, as ajv checks by default). Semantic rules beyond it are in manifest.ts. */
export const manifestSchema = {
  $id: 'https://cutline.dev/schemas/backup-manifest-v1.json',
  title: 'cutline backup manifest, format version 1',
  type: 'object',
  additionalProperties: false,
  required: ['formatVersion', 'id', 'descriptor', 'status', 'failureReason', 'files', 'createdAt', 'modifiedAt'],
  properties: {
    formatVersion: { const: 1 },
    id: {
      type: 'object',
      additionalProperties: false,
      required: ['partitionId', 'checkpointId', 'nodeId'],
      properties: { partitionId: identifier, checkpointId: identifier, nodeId: identifier },
    },
    descriptor: {
      type: 'object',
      additionalProperties: false,
      required: [
        'snapshotId',
        'snapshotProcessedPosition',
        'checkpointPosition',
        'checkpointTimestampMs',
        'checkpointType',
        'firstLogPosition',
        'lastLogPosition',
        'partitionCount',
        'engineVersion',
      ],
      properties: {
        snapshotId: { type: ['string', 'null'], minLength: 1, maxLength: 255 },
        snapshotProcessedPosition: position,
        checkpointPosition: { ...position, minimum: 1 },
        checkpointTimestampMs: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
        checkpointType: { enum: ['MANUAL_BACKUP', 'SCHEDULED_BACKUP'] },
        firstLogPosition: { ...position, minimum: 1 },
        lastLogPosition: { ...position, minimum: 1 },
        partitionCount: { type: 'integer', minimum: 1, maximum: backupPartitionsMax },
        engineVersion: { type: 'string', minLength: 1, maxLength: 64 },
      },
    },
    status: { enum: ['IN_PROGRESS', 'COMPLETED', 'FAILED', 'DELETED'] },
    failureReason: { type: ['string', 'null'], maxLength: 4096 },
    files: {
      type: 'array',
      maxItems: manifestFilesMax,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path', 'sizeBytes', 'sha256'],
        properties: {
          path: { type: 'string', minLength: 1, maxLength: 900, pattern: '^(snapshot|segments)/' },
          sizeBytes: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
          sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        },
      },
    },
    createdAt: { type: 'string', format: 'date-time' },
    modifiedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const chunk = {
  type: 'object',
  additionalProperties: false,
  required: ['sha256', 'sizeBytes'],
  properties: {
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    sizeBytes: { type: 'integer', minimum: 1, maximum: chunkBytesMax },
    storedBytes: { type: 'integer', minimum: chunkHeaderBytes, maximum: chunkBytesMax + chunkHeaderBytes },
    codec: { enum: ['none', 'gzip', 'zstd'] },
  },
} as const;

const v1Files = manifestSchema.properties.files;

/**
 * Format version 2: every file also lists its chunks (content-addressed objects shared across backups,
 * FORMAT.md "Chunks"), and a COMPLETED manifest says how many stored bytes the backup added.
 */
export const manifestSchemaV2 = {
  ...manifestSchema,
  $id: 'https://cutline.dev/schemas/backup-manifest-v2.json',
  title: 'cutline backup manifest, format version 2',
  properties: {
    ...manifestSchema.properties,
    formatVersion: { const: 2 },
    files: {
      ...v1Files,
      items: {
        ...v1Files.items,
        required: [...v1Files.items.required, 'chunks'],
        properties: { ...v1Files.items.properties, chunks: { type: 'array', maxItems: fileChunksMax, items: chunk } },
      },
    },
    addedBytes: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
  },
} as const;

const v2Files = manifestSchemaV2.properties.files;

/**
 * Format version 3: version 2 plus, for each log segment `segments/{name}.log`, its command index
 * `commands/{name}.idx` (FORMAT.md "Command index"), and the promise that every frame was checked when
 * the backup was taken (FORMAT.md "Chain of trust").
 */
export const manifestSchemaV3 = {
  ...manifestSchemaV2,
  $id: 'https://cutline.dev/schemas/backup-manifest-v3.json',
  title: 'cutline backup manifest, format version 3',
  properties: {
    ...manifestSchemaV2.properties,
    formatVersion: { const: 3 },
    files: {
      ...v2Files,
      items: {
        ...v2Files.items,
        properties: {
          ...v2Files.items.properties,
          path: { ...v2Files.items.properties.path, pattern: '^(snapshot|segments|commands)/' },
        },
      },
    },
  },
} as const;
