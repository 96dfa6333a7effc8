export * from './posterior-summary.js';
export * from './ab-mag-features.js';
