export * from './robust-statistics.js';
export * from './sorted-posterior.js';
export * from './point-metrics.js';
export * from './interval-coverage.js';
export * from './sbc-ranks.js';
export * from './tarp-coverage.js';
export * from './calibrate-posterior.js';
