import { z } from 'zod';
import { defineStage } from '../stage.js';

export const identityStageSchema = z.strictObject({
  delayMs: z.number().min(0).default(0).describe('artificial delay per batch in milliseconds (tests of backpressure)'),
});

/** Passes batches through unchanged (plus provenance); with `delayMs` it simulates a slow stage. */
export const identityStage = defineStage({
  name: 'identity',
  version: '0.1.0',
  description: 'pass batches through unchanged',
  configSchema: identityStageSchema,
  create: ({ delayMs }) => ({
    kernel: async (batch) => {
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      return batch;
    },
  }),
});
