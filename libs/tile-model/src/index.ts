export * from './tile-model-manifest.js';
export * from './galaxy-cutouts.js';
export * from './tile-plan.js';
export * from './predict-galaxy.js';
