import { createHash } from 'node:crypto';
import type { RecordBatch } from 'apache-arrow';
import { withMetadata } from './batch.js';
import type { PipelineConfig } from './pipeline-config.js';

/** Schema-metadata key holding the JSON list of stages a batch went through. */
export const PROVENANCE_KEY = 'pixsed.provenance';

export interface ProvenanceEntry {
  stage: string;
  version: string;
  configHash: string;
  /** What else pins the stage's output, from `StageInstance.provenance` (e.g. the model's sha256). */
  details?: Record<string, string>;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** SHA-256 of bytes or a string, as 64 hex digits (model pins, PSF file keys, cache checksums). */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 (first 16 hex digits) of the config with keys sorted: equal configs hash equal. */
export function configHash(config: unknown): string {
  return sha256Hex(JSON.stringify(canonical(config ?? null))).slice(0, 16);
}

export function readProvenance(batch: RecordBatch): ProvenanceEntry[] {
  const raw = batch.schema.metadata.get(PROVENANCE_KEY);
  return raw ? (JSON.parse(raw) as ProvenanceEntry[]) : [];
}

/** The batch with `entry` appended to its provenance list. */
export function appendProvenance(batch: RecordBatch, entry: ProvenanceEntry): RecordBatch {
  return withMetadata(batch, { [PROVENANCE_KEY]: JSON.stringify([...readProvenance(batch), entry]) });
}

/**
 * Hash of the fully resolved pipeline (after defaults and `--set`): name, run settings, and every
 * source, stage and sink with its type, name and validated config. Equal hashes = the same run settings.
 */
export function resolvedConfigHash(config: PipelineConfig): string {
  return configHash(resolvedConfig(config));
}

/** The fully resolved pipeline as plain data (what `resolvedConfigHash` hashes; run-summary.json's `config`). */
export function resolvedConfig(config: PipelineConfig): { name: string; run: unknown; source: unknown; stages: unknown[]; sinks: unknown[] } {
  const entry = (e: { type: string; name?: string; config: unknown }) => ({ type: e.type, name: e.name ?? e.type, config: e.config });
  return { name: config.name, run: config.run, source: entry(config.source), stages: config.stages.map(entry), sinks: config.sinks.map(entry) };
}
