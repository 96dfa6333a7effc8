export * from './load-cigale-nebular.js';
export * from './load-filter-curve.js';
export * from './load-maraston05.js';
export * from './load-noise-tables.js';
export * from './load-ssp-grid.js';
export * from './simulate-catalog.js';
export * from './write-catalog.js';
export * from './simulate-catalog-parallel.js';
