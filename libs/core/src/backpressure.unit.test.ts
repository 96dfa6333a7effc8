import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RecordBatch } from 'apache-arrow';
import { batchFromColumns } from './batch.js';
import { identityStage } from './builtins/identity-stage.js';
import { validatePipeline } from './pipeline-config.js';
import { PluginRegistry } from './registry.js';
import { runPipeline } from './run-pipeline.js';
import { defineSink, defineSource } from './stage.js';
import { minimalStreamInfo } from './stream-info.js';

/**
 * Instrumented source and sink: the test counts batches in flight itself
 * (produced by the source − finished by the sink), independently of the gate.
 */
function harness(opts: { batches: number; floatsPerBatch: number; sinkDelayMs: number }) {
  const probe = { produced: 0, consumed: 0, maxInFlight: 0, closed: false, heapPeakMB: 0 };
  const source = defineSource({
    name: 'counting',
    version: '1.0.0',
    description: 'test source',
    configSchema: z.strictObject({}),
    create: () => ({
      info: minimalStreamInfo('source:counting', []),
      totalBatches: opts.batches,
      async *[Symbol.asyncIterator]() {
        try {
          for (let i = 0; i < opts.batches; i++) {
            const batch = batchFromColumns({ v: new Float32Array(opts.floatsPerBatch).fill(i) });
            probe.produced++;
            probe.maxInFlight = Math.max(probe.maxInFlight, probe.produced - probe.consumed);
            yield batch;
          }
        } finally {
          probe.closed = true;
        }
      },
    }),
  });
  const sink = defineSink({
    name: 'slow',
    version: '1.0.0',
    description: 'test sink that sleeps per batch',
    configSchema: z.strictObject({}),
    create: () => ({
      async write(_b: RecordBatch) {
        await new Promise((r) => setTimeout(r, opts.sinkDelayMs));
        probe.consumed++;
        probe.heapPeakMB = Math.max(probe.heapPeakMB, process.memoryUsage().arrayBuffers / 2 ** 20);
      },
      close: () => [],
    }),
  });
  const registry = new PluginRegistry().register(source, sink, identityStage);
  return { probe, registry };
}

function pipeline(registry: PluginRegistry, run: Record<string, number>, stages = 5) {
  return validatePipeline(
    {
      name: 'bp-test',
      run,
      source: { type: 'counting' },
      stages: Array.from({ length: stages }, (_, i) => ({ type: 'identity', name: `id${i}` })),
      sinks: [{ type: 'slow' }],
    },
    registry,
  );
}

describe('backpressure', () => {
  it('keeps batches in flight at or below the high-water mark with 1000 × 1 MB batches and a slow sink', async () => {
    const { probe, registry } = harness({ batches: 1000, floatsPerBatch: 262_144, sinkDelayMs: 1 });
    const hwm = 6;
    const summary = await runPipeline(pipeline(registry, { maxInFlightBatches: hwm, maxInFlightMB: 1024 }), { outDir: '/tmp' });
    expect(summary.batchesOut).toBe(1000);
    expect(probe.produced).toBe(1000);
    expect(probe.maxInFlight).toBeGreaterThan(1); // the pipeline did overlap work
    expect(probe.maxInFlight).toBeLessThanOrEqual(hwm);
    expect(summary.maxInFlightBatches).toBeLessThanOrEqual(hwm);
    // 1000 MB went through; live array buffers stay near hwm × 1 MB
    expect(probe.heapPeakMB).toBeLessThan(200);
  }, 120_000);

  it('bounds in-flight bytes: 4 MB high-water mark with 1 MB batches admits at most 4 (+1 when empty)', async () => {
    const { probe, registry } = harness({ batches: 200, floatsPerBatch: 262_144, sinkDelayMs: 1 });
    const summary = await runPipeline(pipeline(registry, { maxInFlightBatches: 100, maxInFlightMB: 4 }), { outDir: '/tmp' });
    expect(summary.batchesOut).toBe(200);
    expect(probe.maxInFlight).toBeLessThanOrEqual(4);
    expect(summary.maxInFlightMB).toBeLessThanOrEqual(4);
  }, 60_000);

  it('a slow stage throttles the source end to end', async () => {
    const { probe, registry } = harness({ batches: 100, floatsPerBatch: 1024, sinkDelayMs: 0 });
    const config = validatePipeline(
      {
        name: 'slow-stage',
        run: { maxInFlightBatches: 3 },
        source: { type: 'counting' },
        stages: [{ type: 'identity', delayMs: 2 }],
        sinks: [{ type: 'slow' }],
      },
      registry,
    );
    await runPipeline(config, { outDir: '/tmp' });
    expect(probe.consumed).toBe(100);
    expect(probe.maxInFlight).toBeLessThanOrEqual(3);
  });

  it('the in-flight probe detects a pipeline without backpressure (the check above can fail)', async () => {
    const { probe, registry } = harness({ batches: 200, floatsPerBatch: 16_384, sinkDelayMs: 1 });
    // high-water marks so large that the gate never closes = backpressure disabled
    await runPipeline(pipeline(registry, { maxInFlightBatches: 1e9, maxInFlightMB: 1e9 }), { outDir: '/tmp' });
    expect(probe.maxInFlight).toBeGreaterThan(50);
  });

  it('cancellation stops pulling and closes the source', async () => {
    const { probe, registry } = harness({ batches: 10_000, floatsPerBatch: 1024, sinkDelayMs: 1 });
    const controller = new AbortController();
    const run = runPipeline(pipeline(registry, { maxInFlightBatches: 4 }, 1), {
      outDir: '/tmp',
      signal: controller.signal,
      onProgress: (p) => {
        if (p.batchesOut === 20) controller.abort('test');
      },
    });
    await expect(run).rejects.toThrow(/cancelled/);
    await new Promise((r) => setTimeout(r, 20));
    expect(probe.closed).toBe(true);
    expect(probe.produced).toBeLessThan(30);
    const after = probe.produced;
    await new Promise((r) => setTimeout(r, 50));
    expect(probe.produced).toBe(after);
  });
});
