export * from './load-psf.js';
export * from './psf-stage.js';
