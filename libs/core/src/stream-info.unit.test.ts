import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { batchFromColumns } from './batch.js';
import { validatePipeline } from './pipeline-config.js';
import { PluginRegistry } from './registry.js';
import { runPipeline } from './run-pipeline.js';
import { defineSink, defineSource, defineStage, type InitContext } from './stage.js';
import { stripMetadata } from './strip-geometry.js';
import { minimalStreamInfo, type StreamInfo } from './stream-info.js';
import { syntheticBatches, syntheticSourceSchema } from './builtins/synthetic-source.js';

const empty = z.strictObject({});
const meta = (name: string) => ({ name, version: '1.0.0', description: `test ${name}`, configSchema: empty });

/** source (info with bands f277w, f444w) → `add` stage (extends info with a column and mask facts) → `look` stage → sink; records what each create() saw. */
function chain() {
  const seen: { stage?: StreamInfo; look?: StreamInfo; sink?: StreamInfo; pulledAtCreate: number[] } = { pulledAtCreate: [] };
  let pulled = 0;
  const sees = (key: 'stage' | 'look' | 'sink', init: InitContext) => {
    seen[key] = init.stream;
    seen.pulledAtCreate.push(pulled);
  };
  const info = { ...minimalStreamInfo('source:facts', ['f277w', 'f444w']), mosaic: { width: 4, height: 2, stripRows: 1, tileColumns: 4, haloRows: 0 } };
  const geometry = (y0: number) => stripMetadata({ x0: 0, y0, width: 4, height: 1, haloTop: 0, haloBottom: 0, mosaicWidth: 4, mosaicHeight: 2 });
  async function* strips() {
    // counted before the batch is handed out
    for (let y0 = 0; y0 < 2; y0++) yield (pulled++, batchFromColumns({ v: new Float32Array(4) }, geometry(y0)));
  }
  const source = defineSource({ ...meta('facts'), create: () => ({ info, [Symbol.asyncIterator]: strips }) });
  const add = defineStage({
    ...meta('add'),
    create: (_c, init: InitContext) => {
      sees('stage', init);
      const columns = [...init.stream.columns, { name: 'w', addedBy: 'add', unit: 'dex' }];
      return { kernel: (b) => b, info: { ...init.stream, mask: { snrBands: ['f444w'], snrThreshold: 5, comparison: '>' }, columns } };
    },
  });
  const look = defineStage({ ...meta('look'), create: (_c, init: InitContext) => (sees('look', init), { kernel: (b) => b }) });
  const sink = defineSink({ ...meta('keep'), create: (_c, init: InitContext) => (sees('sink', init), { write: () => undefined, close: () => [] }) });
  const registry = new PluginRegistry().register(source, add, look, sink);
  const config = validatePipeline({ name: 'si', source: { type: 'facts' }, stages: [{ type: 'add' }, { type: 'look' }], sinks: [{ type: 'keep' }] }, registry);
  return { seen, config, pulled: () => pulled };
}

describe('StreamInfo', () => {
  it('is the source\'s, before its first batch, in every create(); a stage\'s extension reaches the stages and sinks after it only', async () => {
    const { seen, config, pulled } = chain();
    const summary = await runPipeline(config, { outDir: '/tmp/pixsed-si-test' });
    expect(seen.pulledAtCreate).toEqual([0, 0, 0]);
    expect(pulled()).toBe(2);
    expect(seen.stage?.bands.map((b) => b.name)).toEqual(['f277w', 'f444w']);
    expect(seen.stage?.mask).toBeUndefined();
    expect(seen.stage?.flags.some((f) => f.name === 'LOW_SNR')).toBe(true);
    expect(seen.look?.mask).toEqual({ snrBands: ['f444w'], snrThreshold: 5, comparison: '>' });
    expect(seen.look?.columns.map((c) => c.name)).toEqual(['w']);
    expect(seen.sink).toEqual(seen.look);
    expect(summary.stream).toEqual(seen.sink);
    expect(summary.configHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('segmentPixelsOnly: only the stage right before one that drops every pixel outside the segments is told so', async () => {
    const saw: Record<string, boolean | undefined> = {};
    const info = minimalStreamInfo('source:one', ['f444w']);
    const source = defineSource({ ...meta('one'), create: () => ({ info, async *[Symbol.asyncIterator]() {} }) });
    const probe = (name: string, drops = false) =>
      defineStage({ ...meta(name), ...(drops ? { dropsOutsideSegments: true } : {}), create: (_c, init: InitContext) => ((saw[name] = init.segmentPixelsOnly), { kernel: (b) => b }) });
    const sink = defineSink({ ...meta('none'), create: () => ({ write: () => undefined, close: () => [] }) });
    const registry = new PluginRegistry().register(source, probe('first'), probe('before'), probe('drops', true), probe('after'), sink);
    const stages = ['first', 'before', 'drops', 'after'].map((type) => ({ type }));
    await runPipeline(validatePipeline({ name: 'seg', source: { type: 'one' }, stages, sinks: [{ type: 'none' }] }, registry), { outDir: '/tmp/pixsed-si-test', check: 'create' });
    expect(saw).toEqual({ first: undefined, before: true, drops: undefined, after: undefined });
  });

  it('check: create makes every plug-in without pulling a batch', async () => {
    const { seen, config, pulled } = chain();
    await runPipeline(config, { outDir: '/tmp/pixsed-si-test', check: 'create' });
    expect(pulled()).toBe(0);
    expect(seen.sink?.mask?.snrBands).toEqual(['f444w']);
  });

  it('a plug-in returning a malformed StreamInfo is named', async () => {
    const { config } = chain();
    const bad = defineStage({ ...meta('bad'), create: (_c, init) => ({ kernel: (b) => b, info: { ...init.stream, bands: [{ name: 'F444W', unit: 'nJy' }] } as never }) });
    config.stages = [{ type: 'bad', name: 'bad1', config: {}, def: bad }];
    await expect(runPipeline(config, { outDir: '/tmp/pixsed-si-test', check: 'create' })).rejects.toThrow(/stage 'bad1': invalid StreamInfo: bands\.0\.name/);
  });

  it('the synthetic source states its bands and columns before its first batch', () => {
    const s = syntheticBatches(syntheticSourceSchema.parse({ bands: ['f150w', 'f444w'], batches: 1, rowsPerBatch: 4 }));
    expect(s.info?.bands.map((b) => b.name)).toEqual(['f150w', 'f444w']);
    expect(s.info?.columns.map((c) => c.name)).toEqual(['x', 'y', 'flux_f150w_njy', 'flux_f150w_err_njy', 'flux_f444w_njy', 'flux_f444w_err_njy', 'flags']);
  });
});
