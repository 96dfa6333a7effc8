import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { batchFromColumns } from './batch.js';
import { OutputError, RunCancelledError } from './errors.js';
import { validatePipeline } from './pipeline-config.js';
import { PluginRegistry } from './registry.js';
import { runPipeline } from './run-pipeline.js';
import { defineSink, defineSource } from './stage.js';
import { minimalStreamInfo } from './stream-info.js';

/** A source of `n` batches that counts what was pulled, and a sink that fails (or not) on its first write. */
function harness(sinkError?: Error, createDelayMs = 0) {
  const probe = { pulled: 0, written: 0, aborted: 0, closed: 0 };
  const source = defineSource({
    name: 'count',
    version: '1.0.0',
    description: 'test source',
    configSchema: z.strictObject({}),
    create: () => ({
      info: minimalStreamInfo('source:count', []),
      async *[Symbol.asyncIterator]() {
        for (let i = 0; i < 10; i++) {
          probe.pulled++;
          yield batchFromColumns({ v: new Float32Array(4).fill(i) });
        }
      },
    }),
  });
  const sink = defineSink({
    name: 'failing',
    version: '1.0.0',
    description: 'test sink',
    configSchema: z.strictObject({}),
    create: async () => {
      await new Promise((r) => setTimeout(r, createDelayMs));
      return {
        write() {
          probe.written++;
          if (sinkError) throw sinkError;
        },
        close: () => ((probe.closed++), []),
        abort: () => void probe.aborted++,
      };
    },
  });
  const registry = new PluginRegistry().register(source, sink);
  const config = validatePipeline({ name: 'rp-test', source: { type: 'count' }, stages: [], sinks: [{ type: 'failing', name: 'out1' }] }, registry);
  return { probe, config };
}

describe('runPipeline', () => {
  it('an fs error from a sink without a path (ENOSPC on write) becomes an OutputError naming the sink and the folder', async () => {
    const { probe, config } = harness(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
    const run = runPipeline(config, { outDir: '/tmp/pixsed-out' });
    await expect(run).rejects.toThrow(OutputError);
    await expect(runPipeline(config, { outDir: '/tmp/pixsed-out' })).rejects.toThrow(/^sink 'out1': \/tmp\/pixsed-out: ENOSPC: no space left on device, write \(writing into the output folder\)$/);
    expect(probe.aborted).toBeGreaterThan(0);
    expect(probe.closed).toBe(0);
  });

  it('an fs error with a path names that file', async () => {
    const { config } = harness(Object.assign(new Error('EACCES: permission denied, open'), { code: 'EACCES', path: '/tmp/pixsed-out/x.csv' }));
    await expect(runPipeline(config, { outDir: '/tmp/pixsed-out' })).rejects.toThrow("sink 'out1': /tmp/pixsed-out/x.csv: EACCES");
  });

  it('a cancel that arrives while the plug-ins are being created stops before the first batch (RunCancelledError with its exit code)', async () => {
    const { probe, config } = harness(undefined, 50);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new RunCancelledError('cancelled by SIGTERM', 'SIGTERM')), 10);
    const err = await runPipeline(config, { outDir: '/tmp', signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunCancelledError);
    expect((err as RunCancelledError).exitCode).toBe(143);
    expect(probe.written).toBe(0);
    expect(probe.aborted).toBe(1);
  });

  it("check 'create' pulls nothing and aborts the sinks; 'first-batch' pushes exactly one batch and aborts them", async () => {
    const a = harness();
    const s = await runPipeline(a.config, { outDir: '/tmp', check: 'create' });
    expect([a.probe.pulled, a.probe.written, a.probe.aborted, a.probe.closed, s.rowsIn]).toEqual([0, 0, 1, 0, 0]);
    const b = harness();
    const t = await runPipeline(b.config, { outDir: '/tmp', check: 'first-batch' });
    expect([b.probe.written, b.probe.aborted, b.probe.closed, t.rowsIn, t.outputs.length]).toEqual([1, 1, 0, 4, 0]);
  });

  it('a source (a JS plug-in) without StreamInfo is refused before any batch, naming the source; its sinks are aborted', async () => {
    const bare = defineSource({ name: 'bare', version: '1.0.0', description: 'no info', configSchema: z.strictObject({}), create: () => ({ async *[Symbol.asyncIterator]() {} }) as never });
    const { probe } = harness();
    const sink = defineSink({ name: 'plain', version: '1.0.0', description: 'test sink', configSchema: z.strictObject({}), create: () => ({ write: () => void probe.written++, close: () => [], abort: () => void probe.aborted++ }) });
    const config = validatePipeline({ name: 'rp-bare', source: { type: 'bare' }, stages: [], sinks: [{ type: 'plain' }] }, new PluginRegistry().register(bare, sink));
    await expect(runPipeline(config, { outDir: '/tmp' })).rejects.toThrow(/^source:bare: invalid StreamInfo: /);
    expect(probe.written).toBe(0);
  });

  it('--shard: a source that states no shard, or a chain where no stage drops the other shards\' pixels, is refused before any batch', async () => {
    const a = harness();
    await expect(runPipeline(a.config, { outDir: '/tmp', shard: { index: 1, count: 2 } })).rejects.toThrow(/--shard 1\/2: source 'count' cannot read a shard of its data/);
    expect(a.probe.pulled).toBe(0);
    const probe = { pulled: 0 };
    const sharded = defineSource({
      name: 'sharded',
      version: '1.0.0',
      description: 'states its shard',
      configSchema: z.strictObject({}),
      create: (_c, init) => ({
        info: { ...minimalStreamInfo('source:sharded', []), shard: { index: init.shard!.index, count: init.shard!.count, galaxies: [], tiles: 0 } },
        async *[Symbol.asyncIterator]() {
          probe.pulled++;
        },
      }),
    });
    const sink = defineSink({ name: 'plain', version: '1.0.0', description: 'test sink', configSchema: z.strictObject({}), create: () => ({ write: () => undefined, close: () => [] }) });
    const config = validatePipeline({ name: 'rp-shard', source: { type: 'sharded' }, stages: [], sinks: [{ type: 'plain' }] }, new PluginRegistry().register(sharded, sink));
    await expect(runPipeline(config, { outDir: '/tmp', shard: { index: 2, count: 3 } })).rejects.toThrow(/--shard 2\/3: no stage drops the pixels other shards own \(the snr-mask stage does\)/);
    expect(probe.pulled).toBe(0);
  });
});
