/** Defaults and limits of posterior sampling: one source for the model, the inference stage and the CLI (pure: no onnxruntime import, so `pixsed --help` need not load it). */

/** Most posterior samples per row (`samplesPerPixel`, `pixsed infer --samples`). */
export const MAX_SAMPLES_PER_ROW = 100_000;
/** Posterior draws per row whose emulated photometry enters the posterior-predictive check (default of `ppcDraws`). */
export const DEFAULT_PPC_DRAWS = 32;

/** Most rows per onnxruntime call (`batchRows`, `--batch-rows`). */
export const MAX_BATCH_ROWS = 1_000_000;
/**
 * Rows per onnxruntime call by default (`batchRows`, `--batch-rows`): 32 measured fastest for infer() on the 2-core
 * machine (interleaved, 4,096 mock rows, 500 samples, one worker per core: 24 / 32 / 64 rows → 1,549 / 1,614 / 1,448 px/s).
 */
export const DEFAULT_BATCH_ROWS = 32;
/** Most bytes of noise (and of samples) per onnxruntime call: rows × samples × parameters × 4. */
export const MAX_SAMPLING_BYTES_PER_CALL = 2 ** 31;
