export * from './read-catalog.js';
export * from './mosaic-source.js';
