import { describe, expect, it } from 'vitest';
import { inferenceStageSchema } from './inference-stage.js';

describe('inference stage config: threads and batchRows bounds', () => {
  it('refuses zero, negative, non-integer and absurd values, naming the key; accepts the bounds', () => {
    const bad = (cfg: Record<string, unknown>) => inferenceStageSchema.safeParse({ model: 'm.onnx', ...cfg });
    for (const threads of [0, -1, 1.5, 1025, 1e6]) {
      const r = bad({ threads });
      expect(r.success, `threads ${threads}`).toBe(false);
      expect(r.error?.issues[0].path).toEqual(['threads']);
    }
    for (const batchRows of [0, -64, 2.5, 1_000_001]) {
      const r = bad({ batchRows });
      expect(r.success, `batchRows ${batchRows}`).toBe(false);
      expect(r.error?.issues[0].path).toEqual(['batchRows']);
    }
    expect(bad({ threads: 1025 }).error?.issues[0].message).toMatch(/1024/);
    expect(bad({ batchRows: 1_000_001 }).error?.issues[0].message).toMatch(/1000000/);
    expect(bad({ threads: 1024, batchRows: 1_000_000 }).success).toBe(true);
  });
});
