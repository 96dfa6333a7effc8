export * from './galaxy-accumulator.js';
export * from './figure-annotations.js';
export * from './galaxy-catalog.js';
