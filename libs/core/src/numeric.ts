/**
 * The dependency-free part of @pixsed/core (errors, the seeded PRNG and normal noise, the χ² survival function), as its
 * own entry point `@pixsed/core/numeric`: what infer()'s worker threads load (libs/model infer-batch.ts), without the
 * rest of the package's imports (Arrow, RxJS, zod, YAML: ~0.35 s to load in a fresh thread, measured).
 */
export * from './errors.js';
export * from './prng.js';
export * from './regularized-gamma.js';
export * from './chi-square-sf.js';
