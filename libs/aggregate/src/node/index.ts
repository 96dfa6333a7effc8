export * from './quicklook-png.js';
export * from './galaxies-sink.js';
