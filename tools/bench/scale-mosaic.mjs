// The benchmarks' generated mosaic (not committed): a 19-band mock of size × size px at 0.03″ with ~1 galaxy per
// 400×400 px (12″ × 12″), and the demo chain's pipeline over it. One definition for pipeline-scale and shards.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Writes <dir>/mosaic.yaml, generates <dir>/mosaic with `pixsed simulate mosaic` and writes <dir>/p.yaml (mosaic → psf
 * → snr-mask → inference → parquet + galaxies, no quicklooks). Returns the pipeline path; exits on a failed generation.
 * With `photozModel` it also writes <dir>/p-photoz.yaml: the same chain over the catalogue without its z column values
 * (mosaic/catalog-noz.csv), every galaxy's z from the photo-z first pass (inference.photoz, ADR 0010).
 */
export function writeScaleMosaic({ cli, dir, size, model, samplesPerPixel, samplesPerGalaxy, photozModel }) {
  const count = Math.round((size * size) / 160_000);
  writeFileSync(
    join(dir, 'mosaic.yaml'),
    `widthPx: ${size}\nheightPx: ${size}\npixelScaleArcsec: 0.03\ncenter: { raDeg: 53.16, decDeg: -27.78 }\nseed: 7\nsegmentation: { band: f444w, thresholdSigma: 3 }\nrandomGalaxies: { count: ${count} }\n`,
  );
  const gen = spawnSync(process.execPath, [cli, 'simulate', 'mosaic', '--config', join(dir, 'mosaic.yaml'), '--out', join(dir, 'mosaic'), '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (gen.status !== 0) process.exit(1);
  const galaxy = samplesPerGalaxy === undefined ? '' : `, samplesPerGalaxy: ${samplesPerGalaxy}`;
  const pipeline = (name, catalog, photoz) => `name: ${name}
run: { maxInFlightBatches: 4, maxInFlightMB: 512 }
source: { type: mosaic, survey: mosaic/survey.json, imageDir: mosaic, segmentation: mosaic/segmentation.fits, catalog: ${catalog}, stripRows: 128, tileColumns: 1024, haloRows: 16 }
stages:
  - { type: psf, targetBand: f444w, passThroughBands: [f460m, f480m], cacheDir: kernels }
  - { type: snr-mask }
  - { type: inference, model: ${model}, samplesPerPixel: ${samplesPerPixel}${photoz ? `, photoz: { model: ${photoz} }` : ''} }
sinks:
  - { type: parquet, path: pixels.parquet }
  - { type: galaxies, model: ${model}${galaxy}, quicklooksDir: '' }
`;
  writeFileSync(join(dir, 'p.yaml'), pipeline(`scale-${size}`, 'mosaic/catalog.csv'));
  if (photozModel) {
    const [head, ...rows] = readFileSync(join(dir, 'mosaic/catalog.csv'), 'utf8').trim().split('\n');
    const zAt = head.split(',').indexOf('z');
    if (zAt < 0) throw new Error(`${join(dir, 'mosaic/catalog.csv')}: no z column`);
    const blank = rows.map((r) => r.split(',').map((v, i) => (i === zAt ? '' : v)).join(','));
    writeFileSync(join(dir, 'mosaic/catalog-noz.csv'), [head, ...blank].join('\n') + '\n');
    writeFileSync(join(dir, 'p-photoz.yaml'), pipeline(`scale-${size}-photoz`, 'mosaic/catalog-noz.csv', photozModel));
  }
  return join(dir, 'p.yaml');
}
