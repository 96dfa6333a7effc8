export * from './load-psf.js';
