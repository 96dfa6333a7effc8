export * from './survey-schema.js';
export * from './builtin-surveys.js';
export * from './survey-registry.js';
