import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { galaxyBandStamp } from '../galaxy-band-stamp.js';
import { createGalaxyTruthStats } from '../galaxy-truth-stats.js';
import { mockCatalogCsv } from '../mock-catalog-csv.js';
import { mockSurvey } from '../mock-survey.js';
import { mockTruthJson } from '../mock-truth-json.js';
import { parseMosaicConfig, type MosaicConfig, type MosaicConfigInput } from '../mosaic-config.js';
import { PIXSED_VERSION, setupMockMosaic } from './mock-mosaic-setup.js';
import { writeBandPlanes } from './write-band-planes.js';
import { writeTruthPlanes } from './write-truth-planes.js';

export { mockSurvey } from '../mock-survey.js';
export { mockPlaneFile } from './write-band-planes.js';

export interface MockMosaicProgress {
  /** 'setup', 'truth' (segmentation + truth maps) or 'band'. */
  step: 'setup' | 'truth' | 'band';
  band?: string;
  /** Steps finished / total (1 setup + 1 truth + one per band). */
  done: number;
  total: number;
}

export interface GenerateMockMosaicOptions {
  /** Folder that relative PSF file paths are resolved against (default: cwd). */
  configDir?: string;
  onProgress?: (p: MockMosaicProgress) => void;
}

export interface MockMosaicResult {
  outDir: string;
  files: string[];
  galaxies: number;
  bands: string[];
  /** Per-pixel 1σ noise [nJy] per band. */
  sigmaNjy: Record<string, number>;
  seconds: number;
}

/**
 * Generate a mock mosaic of a survey's bands (default JADES) with known truth into `outDir` (see libs/mocks/README.md for the layout):
 * per-band `<band>_sci.fits` / `<band>_err.fits` [nJy/px, TAN WCS], `segmentation.fits`, `catalog.csv`,
 * `truth_<quantity>.fits`, `truth.json`, `survey.json`. Bands are written one after another, strip by strip
 * (`stripRows`), from per-galaxy PSF-convolved stamps: memory is O(width × stripRows + Σ stamp areas), never a
 * full plane, so 8192² mosaics work. Deterministic: same config (and seed) → identical bytes.
 */
export async function generateMockMosaic(config: MosaicConfigInput | MosaicConfig, outDir: string, opts: GenerateMockMosaicOptions = {}): Promise<MockMosaicResult> {
  const t0 = performance.now();
  const cfg = parseMosaicConfig(config);
  const { bands } = cfg;
  const total = 2 + bands.length;
  const progress = (step: MockMosaicProgress['step'], done: number, band?: string) => opts.onProgress?.({ step, band, done, total });
  mkdirSync(outDir, { recursive: true });

  const setup = await setupMockMosaic(cfg, opts.configDir ?? process.cwd());
  const { galaxies, psfs, sigmaNjy, survey } = setup;
  const surveyBands = survey.bands.map((x) => x.name);
  progress('setup', 1);

  // segmentation from each galaxy's own noiseless, PSF-convolved flux in the detection band, then the truth maps
  const detIndex = bands.indexOf(cfg.segmentation.band);
  const detStamps = galaxies.map((g) => galaxyBandStamp(g, detIndex, psfs.get(cfg.segmentation.band)!.kernel));
  const stats = createGalaxyTruthStats(galaxies, bands.length);
  const files = await writeTruthPlanes(cfg, outDir, setup, detStamps, stats);
  progress('truth', 2);

  // bands: noiseless model (Σ PSF-convolved galaxy stamps) + Gaussian noise, strip by strip
  for (let bi = 0; bi < bands.length; bi++) {
    const b = bands[bi];
    const stamps = bi === detIndex ? detStamps : galaxies.map((g) => galaxyBandStamp(g, bi, psfs.get(b)!.kernel));
    files.push(...(await writeBandPlanes(cfg, outDir, setup, bi, stamps, detStamps, stats, bandSeed(cfg.seed, surveyBands.indexOf(b)))));
    progress('band', 3 + bi, b);
  }

  writeFileSync(join(outDir, 'catalog.csv'), mockCatalogCsv(galaxies));
  writeFileSync(join(outDir, 'truth.json'), JSON.stringify(mockTruthJson(cfg, galaxies, stats, sigmaNjy, psfs, PIXSED_VERSION), null, 1) + '\n');
  writeFileSync(join(outDir, 'survey.json'), JSON.stringify(mockSurvey(bands, psfs, { survey, pixelScaleArcsec: cfg.pixelScaleArcsec }), null, 1) + '\n');
  files.push('catalog.csv', 'truth.json', 'survey.json');
  return { outDir, files, galaxies: galaxies.length, bands, sigmaNjy, seconds: (performance.now() - t0) / 1000 };
}

/** Noise stream of a band: seeded by (seed, the band's index in the survey), so it does not depend on the band subset. */
function bandSeed(seed: number, surveyBandIndex: number): number {
  return (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(surveyBandIndex + 1, 0x85ebca6b)) | 0;
}
