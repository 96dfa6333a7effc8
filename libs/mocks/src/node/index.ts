export * from './generate-mock-mosaic.js';
export * from './simulate-mosaic-command.js';
