import { describe, expect, it } from 'vitest';
import { from, lastValueFrom, toArray } from 'rxjs';
import { batchFromColumns, column } from './batch.js';
import { FlagRegistry } from './flags.js';
import { configHash, readProvenance } from './provenance.js';
import { RunStats } from './run-stats.js';
import { stageOperator } from './stage-operator.js';
import type { StageContext } from './stage.js';

const ctx: StageContext = {
  stageName: 'test-stage',
  pipelineDir: '.',
  outDir: '.',
  flags: new FlagRegistry(),
  stats: new RunStats(),
  signal: new AbortController().signal,
  log: () => undefined,
};

describe('stageOperator', () => {
  it('runs batches concurrently but emits them in input order, then the flush batches', async () => {
    let running = 0;
    let maxRunning = 0;
    const inputs = Array.from({ length: 20 }, (_, i) => batchFromColumns({ i: new Int32Array([i]) }));
    const op = stageOperator(
      {
        kernel: async (b) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          const i = column(b, 'i')[0];
          await new Promise((r) => setTimeout(r, (7 * i) % 11)); // finish out of order
          running--;
          return batchFromColumns({ i: new Int32Array([i * 10]) });
        },
        flush: () => [batchFromColumns({ i: new Int32Array([-1]) })],
      },
      ctx,
      { version: '1.2.3', config: { b: 1, a: 2 }, concurrency: 4 },
    );
    const out = await lastValueFrom(from(inputs).pipe(op, toArray()));
    expect(out.map((b) => column(b, 'i')[0])).toEqual([...inputs.map((_, i) => i * 10), -1]);
    expect(maxRunning).toBe(4);
    expect(readProvenance(out[0])).toEqual([{ stage: 'test-stage', version: '1.2.3', configHash: configHash({ a: 2, b: 1 }) }]);
  });

  it('propagates kernel errors', async () => {
    const op = stageOperator({ kernel: () => { throw new Error('boom'); } }, ctx, { version: '1', config: {} });
    await expect(lastValueFrom(from([batchFromColumns({ a: new Float32Array(1) })]).pipe(op))).rejects.toThrow('boom');
  });

  it('config hashes ignore key order and differ for different values', () => {
    expect(configHash({ a: 1, b: [1, 2] })).toBe(configHash({ b: [1, 2], a: 1 }));
    expect(configHash({ a: 1 })).not.toBe(configHash({ a: 2 }));
  });
});
