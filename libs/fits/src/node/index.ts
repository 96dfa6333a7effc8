export * from './open-fits-image.js';
export * from './read-fits-image.js';
export * from './write-fits-image.js';
export * from './list-hdus.js';
export * from './fits-info.js';
export * from './fits-strip-writer.js';
export * from './write-fits-table.js';
export * from './read-fits-table.js';
