export * from './galaxy-accumulator.js';
export * from './galaxy-catalog.js';
