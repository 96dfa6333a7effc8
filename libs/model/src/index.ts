export * from './posterior-summary.js';
