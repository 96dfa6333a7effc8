import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { identityStage } from './builtins/identity-stage.js';
import { syntheticSource } from './builtins/synthetic-source.js';
import { parsePipelineYaml } from './pipeline-config.js';
import { PluginRegistry, pipelineJsonSchema } from './registry.js';
import { arrowIpcSink } from './node/arrow-ipc-sink.js';

const registry = new PluginRegistry().register(syntheticSource, identityStage, arrowIpcSink);
const good = `name: t
source:
  type: synthetic
  batches: 2
stages:
  - type: identity
  - type: identity
    name: slow
    delayMs: 1
sinks:
  - type: arrow-ipc
`;

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('pipeline YAML', () => {
  it('parses a valid file with defaults filled in', () => {
    const c = parsePipelineYaml(good, registry, 'p.yaml');
    expect(c.stages.map((s) => s.name)).toEqual(['identity', 'slow']);
    expect(c.stages[1].config).toEqual({ delayMs: 1 });
    expect(c.source.config.rowsPerBatch).toBe(65536);
    expect(c.run.maxInFlightBatches).toBe(8);
  });

  it('names file, YAML path, line and expectation for a wrong type', () => {
    const e = errorOf(() => parsePipelineYaml(good.replace('delayMs: 1', 'delayMs: fast'), registry, 'bad.yaml'));
    expect(e.message).toContain('bad.yaml');
    expect(e.message).toMatch(/stages\[1\]\.delayMs: .*expected number/);
    expect(e.message).toMatch(/line 9/);
  });

  it('rejects unknown keys and unknown plug-in types, listing every problem', () => {
    const text = good.replace('  - type: identity\n  - type', '  - type: identity\n    snrThreshold: 5\n  - type').replace('type: arrow-ipc', 'type: parquet-nope');
    const e = errorOf(() => parsePipelineYaml(text, registry, 'x.yaml'));
    expect(e.issues.map((i) => i.path)).toEqual(['stages[0]', 'sinks[0].type']);
    expect(e.message).toMatch(/unknown key 'snrThreshold' \(allowed for stage 'identity': type, name, delayMs\)/);
    expect(e.message).toMatch(/unknown sink type "parquet-nope" \(expected one of: arrow-ipc\)/);
  });

  it('applies --set overrides by stage name, and rejects unknown targets', () => {
    const c = parsePipelineYaml(good, registry, 'p.yaml', ['stages.slow.delayMs=7', 'source.batches=3', 'run.maxInFlightBatches=2']);
    expect(c.stages[1].config.delayMs).toBe(7);
    expect(c.source.config.batches).toBe(3);
    expect(c.run.maxInFlightBatches).toBe(2);
    expect(() => parsePipelineYaml(good, registry, 'p.yaml', ['stages.nope.delayMs=1'])).toThrow(/no entry named 'nope'/);
    const e = errorOf(() => parsePipelineYaml(good, registry, 'p.yaml', ['stages.slow.delayMs=-1']));
    expect(e.message).toMatch(/stages\[1\]\.delayMs: .*>=0/);
  });

  it('reports YAML syntax errors with the file name', () => {
    expect(() => parsePipelineYaml('name: [unclosed', registry, 'syn.yaml')).toThrow(/syn\.yaml[\s\S]*YAML syntax error/);
  });

  it('generates a JSON Schema that knows every registered plug-in', () => {
    const s = JSON.stringify(pipelineJsonSchema(registry));
    for (const name of ['synthetic', 'identity', 'arrow-ipc', 'delayMs', 'maxInFlightBatches']) expect(s).toContain(name);
  });
});

describe('parseConfig', () => {
  it('names the file, every path in one format and what was expected', async () => {
    const { z } = await import('zod');
    const { parseConfig } = await import('./parse-config.js');
    const schema = z.strictObject({ bands: z.array(z.string()), depth: z.object({ mag: z.number() }) });
    expect(parseConfig(schema, { bands: ['a'], depth: { mag: 1 } }, 'x.yaml', 'thing')).toEqual({ bands: ['a'], depth: { mag: 1 } });
    let msg = '';
    try {
      parseConfig(schema, { bands: ['a', 3], depth: { mag: 'deep' } }, 'x.yaml', 'thing');
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/^Invalid thing in x\.yaml:/);
    expect(msg).toMatch(/- bands\[1\]: .*string/i);
    expect(msg).toMatch(/- depth\.mag: .*number/i);
  });
});
