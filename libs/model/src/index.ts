export * from './posterior-summary.js';
export * from './ab-mag-features.js';
export * from './model-manifest.js';
export * from './feature-layout.js';
export * from './ppc-statistic.js';
export * from './z-source.js';
export * from './integrated-photometry.js';
export * from './sampling-limits.js';
