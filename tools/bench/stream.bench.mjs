// Stream overhead of the core: batches/s and MB/s through 5 identity stages (the same 1 MB
// batch re-emitted, so the figure is framework overhead, not data generation), and peak RSS of
// a run whose sink is slow while the source allocates a fresh 1 MB batch each time.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { peakRssMB, batchFromColumns, defineSink, defineSource, identityStage, minimalStreamInfo, PluginRegistry, runPipeline, validatePipeline } from '@pixsed/core';

const emit = (name, value, unit) => console.log(JSON.stringify({ name, value: Number(value.toPrecision(4)), unit }));

function registry({ batches, fresh, sinkDelayMs }) {
  const floats = 262_144; // 1 MiB of float32
  const shared = batchFromColumns({ v: new Float32Array(floats) });
  const source = defineSource({
    name: 'bench-source',
    version: '1',
    description: 'bench',
    configSchema: z.strictObject({}),
    create: () => ({
      info: minimalStreamInfo('source:bench-source', []),
      async *[Symbol.asyncIterator]() {
        for (let i = 0; i < batches; i++) yield fresh ? batchFromColumns({ v: new Float32Array(floats).fill(i) }) : shared;
      },
    }),
  });
  const sink = defineSink({
    name: 'bench-sink',
    version: '1',
    description: 'bench',
    configSchema: z.strictObject({}),
    create: () => ({
      write: sinkDelayMs ? () => new Promise((r) => setTimeout(r, sinkDelayMs)) : () => undefined,
      close: () => [],
    }),
  });
  return new PluginRegistry().register(source, sink, identityStage);
}

async function run(opts, run) {
  const reg = registry(opts);
  const config = validatePipeline(
    {
      name: 'bench',
      run,
      source: { type: 'bench-source' },
      stages: Array.from({ length: 5 }, (_, i) => ({ type: 'identity', name: `id${i}` })),
      sinks: [{ type: 'bench-sink' }],
    },
    reg,
  );
  return runPipeline(config, { outDir: '/tmp' });
}

if (process.argv[2] === '--child-no-backpressure') {
  // peer for comparison: the same slow-sink run with high-water marks that never close the gate
  const r = await run({ batches: 1000, fresh: true, sinkDelayMs: 2 }, { maxInFlightBatches: 1e9, maxInFlightMB: 1e9 });
  emit('stream.slow-sink.no-backpressure.max_in_flight', r.maxInFlightBatches, 'batch');
  emit('stream.slow-sink.no-backpressure.peak_rss', peakRssMB(), 'MB');
  process.exit(0);
}

await run({ batches: 200, fresh: false, sinkDelayMs: 0 }, {}); // warm-up
const n = 5000;
const t = await run({ batches: n, fresh: false, sinkDelayMs: 0 }, { maxInFlightBatches: 8 });
emit('stream.5-identity.batches_per_s', n / t.wallSeconds, 'batch/s');
emit('stream.5-identity.mb_per_s', n / t.wallSeconds, 'MiB/s');
emit('stream.5-identity.us_per_batch_per_stage', (t.wallSeconds * 1e6) / n / 5, 'µs');

const slow = await run({ batches: 1000, fresh: true, sinkDelayMs: 2 }, { maxInFlightBatches: 8, maxInFlightMB: 64 });
emit('stream.slow-sink.batches', slow.batchesOut, 'batch');
emit('stream.slow-sink.data_through', slow.batchesOut, 'MiB');
emit('stream.slow-sink.max_in_flight', slow.maxInFlightBatches, 'batch');
emit('stream.slow-sink.peak_rss', peakRssMB(), 'MB');
spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child-no-backpressure'], { stdio: 'inherit' });
