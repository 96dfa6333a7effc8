import { describe, expect, it } from 'vitest';
import { validatePipeline } from './pipeline-config.js';
import { resolvedConfigHash } from './provenance.js';
import { PluginRegistry } from './registry.js';
import { syntheticSource } from './builtins/synthetic-source.js';
import { identityStage } from './builtins/identity-stage.js';
import { arrowIpcSink } from './node/arrow-ipc-sink.js';

const registry = () => new PluginRegistry().register(syntheticSource, identityStage, arrowIpcSink);
const pipeline = (source: Record<string, unknown>) => validatePipeline({ name: 'h', source: { type: 'synthetic', ...source }, stages: [{ type: 'identity' }], sinks: [{ type: 'arrow-ipc' }] }, registry());

describe('resolvedConfigHash', () => {
  it('hashes the resolved config: a default written out hashes as the default left out; any changed value changes the hash', () => {
    const base = resolvedConfigHash(pipeline({}));
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    // syntheticSource's default batches is 16
    expect(resolvedConfigHash(pipeline({ batches: 16 }))).toBe(base);
    expect(resolvedConfigHash(pipeline({ batches: 17 }))).not.toBe(base);
    expect(resolvedConfigHash(pipeline({ seed: 1 }))).not.toBe(base);
  });
});
