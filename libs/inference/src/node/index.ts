export * from './inference-stage.js';
export * from './galaxy-redshifts.js';
