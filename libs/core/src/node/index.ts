export * from './data-dir.js';
