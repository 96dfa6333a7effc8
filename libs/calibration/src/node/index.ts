export * from './load-mocks.js';
export * from './validate-model.js';
export * from './render-vega-lite.js';
export * from './write-validation-plots.js';
export * from './calibrate-ppc.js';
