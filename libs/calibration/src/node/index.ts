export * from './load-mocks.js';
export * from './validate-model.js';
export * from './write-validation-plots.js';
export * from './calibrate-ppc.js';
