export * from './render-vega-lite.js';
export * from './raster-data-url.js';
