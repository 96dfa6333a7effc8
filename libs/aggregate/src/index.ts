export * from './galaxy-accumulator.js';
