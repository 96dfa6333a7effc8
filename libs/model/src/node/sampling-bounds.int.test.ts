import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { ConfigError } from '@pixsed/core';
import { checkSamplingPlan, PosteriorModel } from './posterior-model.js';
import { MAX_BATCH_ROWS } from '../sampling-limits.js';
import { checkThreads, MAX_INTRA_OP_THREADS, OnnxSampler } from './onnx-sampler.js';

const shipped = resolve(__dirname, '../../../../test-data/models/jades-delayed-tau-affine/model.onnx');

describe('bounds of batch rows and threads (zero, negative, non-integer or absurd values are refused, never a hang)', () => {
  it('checkSamplingPlan names batchRows and its range, and reports a bad samples count beside it', () => {
    expect(MAX_BATCH_ROWS).toBe(1_000_000);
    for (const rows of [0, -4, 2.5, 1_000_001, NaN]) {
      expect(() => checkSamplingPlan(500, rows, 5), String(rows)).toThrow(ConfigError);
      expect(() => checkSamplingPlan(500, rows, 5)).toThrow(`batchRows: expected an integer from 1 to 1000000, got ${rows}`);
    }
    expect(() => checkSamplingPlan(1, 0, 5, { batchRowsKey: '--batch-rows', samplesKey: '--samples' })).toThrow(/--batch-rows: expected an integer from 1 to 1000000, got 0[\s\S]*--samples: expected an integer from 2 to 100000, got 1/);
    expect(() => checkSamplingPlan(2, MAX_BATCH_ROWS, 5)).not.toThrow(); // 40 MB per call
  });

  it('checkThreads accepts 1 to 1024 only', () => {
    expect(MAX_INTRA_OP_THREADS).toBe(1024);
    for (const t of [0, -1, 1.5, 1025, 1e6, NaN]) expect(() => checkThreads(t, { key: 'threads' }), String(t)).toThrow(`threads: expected an integer from 1 to 1024, got ${t}`);
    expect(() => checkThreads(1)).not.toThrow();
    expect(() => checkThreads(1024)).not.toThrow();
  });

  it('PosteriorModel.load and OnnxSampler.open refuse them before opening a session', async () => {
    await expect(PosteriorModel.load(shipped, { batchRows: 0 })).rejects.toThrow(/batchRows: expected an integer from 1 to 1000000, got 0/);
    await expect(PosteriorModel.load(shipped, { batchRows: 2e6 })).rejects.toThrow(/batchRows: expected an integer from 1 to 1000000, got 2000000/);
    await expect(PosteriorModel.load(shipped, { threads: 0 })).rejects.toThrow(/threads: expected an integer from 1 to 1024, got 0/);
    await expect(PosteriorModel.load(shipped, { threads: 5000 })).rejects.toThrow(/threads: expected an integer from 1 to 1024, got 5000/);
    await expect(OnnxSampler.open(join(shipped), { threads: -2 })).rejects.toThrow(ConfigError);
    const ok = await PosteriorModel.load(shipped, { threads: 1, batchRows: 1 });
    await ok.close();
  });
});
