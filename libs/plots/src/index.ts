export * from './colour-scheme.js';
