import { ConfigError } from '@pixsed/core';
import { Wcs } from '@pixsed/fits';
import { createEngineFromData, loadJadesNoiseTables, loadSurveyFilters } from '@pixsed/simulator/node';
import type { Survey } from '@pixsed/surveys';
import type { NoiseTables } from '@pixsed/simulator';
import { buildMockGalaxies, type MockGalaxy } from '../build-mock-galaxies.js';
import { mosaicSurvey, type MosaicConfig } from '../mosaic-config.js';
import { randomGalaxies } from '../random-galaxies.js';
import { resolveBandPsfs, type BandPsf } from './resolve-band-psfs.js';

/** Everything a mock mosaic's writers need, resolved from the config and the reference data. */
export interface MockMosaicSetup {
  /** The survey whose band set the mock uses (config `survey`). */
  survey: Survey;
  wcs: Wcs;
  galaxies: MockGalaxy[];
  /** Per-pixel 1σ noise [nJy] per band. */
  sigmaNjy: Record<string, number>;
  psfs: Map<string, BandPsf>;
}

/** North-up, east-left TAN WCS with CRVAL at the image centre and CDELT = pixelScaleArcsec. */
export function mockMosaicWcs(cfg: MosaicConfig): Wcs {
  const s = cfg.pixelScaleArcsec / 3600;
  return new Wcs({ crval: [cfg.center.raDeg, cfg.center.decDeg], crpix: [(cfg.widthPx + 1) / 2, (cfg.heightPx + 1) / 2], cd: [[-s, 0], [0, s]], radesys: 'ICRS' });
}

/**
 * σ_b = (depthNjyPerBand[b] or the JADES 1σ per-pixel depth) × depthScale × depthScalePerBand[b]; ConfigError at
 * `depthNjyPerBand.<band>` for a band with neither.
 */
export function bandSigmaNjy(cfg: MosaicConfig, noise: NoiseTables): Record<string, number> {
  const sigmaNjy: Record<string, number> = {};
  const issues: { path: string; message: string }[] = [];
  for (const b of cfg.bands) {
    const i = noise.bands.indexOf(b);
    const depth = cfg.depthNjyPerBand[b] ?? (i < 0 ? undefined : noise.depth1SigmaNjy[i]);
    if (depth === undefined) issues.push({ path: `depthNjyPerBand.${b}`, message: `band ${b} has no JADES noise statistics: give its 1σ per-pixel depth [nJy]` });
    else sigmaNjy[b] = depth * cfg.depthScale * (cfg.depthScalePerBand[b] ?? 1);
  }
  if (issues.length) throw new ConfigError(undefined, issues, 'mock mosaic config (mosaicConfigSchema)');
  return sigmaNjy;
}

/**
 * Reference resolution for a mock mosaic: WCS, the band filter curves (from the survey definition, `loadSurveyFilters`) and the photometry engine (up to the highest
 * configured redshift), the noise depths (`bandSigmaNjy`), the galaxy list (explicit ones with default ids 1, 2, … then the
 * random ones from max id + 1) with their populations and stamps, and the band PSFs.
 */
export async function setupMockMosaic(cfg: MosaicConfig, configDir: string): Promise<MockMosaicSetup> {
  const survey = mosaicSurvey(cfg);
  const wcs = mockMosaicWcs(cfg);
  const allFilters = loadSurveyFilters(survey);
  const filters = cfg.bands.map((b) => {
    const f = allFilters.find((x) => x.name === b);
    if (!f) throw new RangeError(`no filter curve for band ${b}`);
    return f;
  });
  const explicit = cfg.galaxies;
  const zMax = Math.max(0.01, ...explicit.map((g) => g.z), cfg.randomGalaxies ? cfg.randomGalaxies.redshift[1] : 0);
  const engine = createEngineFromData(filters, { redshift: { min: 0, max: zMax }, nebular: { enabled: cfg.nebular } });
  const sigmaNjy = bandSigmaNjy(cfg, loadJadesNoiseTables());
  const maxId = explicit.reduce((m, g, i) => Math.max(m, g.id ?? i + 1), 0);
  const specs = [
    ...explicit.map((g, i) => ({ ...g, id: g.id ?? i + 1 })),
    ...(cfg.randomGalaxies ? randomGalaxies(cfg.randomGalaxies, cfg.seed, cfg.widthPx, cfg.heightPx, maxId + 1, (z) => engine.cosmology.ageGyr(z)) : []),
  ];
  const galaxies = buildMockGalaxies(cfg, specs, engine, wcs);
  return { survey, wcs, galaxies, sigmaNjy, psfs: await resolveBandPsfs(cfg, survey, configDir) };
}

/** Version written into FITS headers (PIXSEDV) and truth.json. */
export const PIXSED_VERSION = '0.1.0';

/** FITS header of a mock plane: the WCS, `extra`, then ORIGIN, PIXSEDV and MOCKSEED. */
export function mockPlaneHeader(wcs: Wcs, cfg: MosaicConfig, extra: Record<string, string | number>): Record<string, string | number> {
  return { ...wcs.toHeader(), ...extra, ORIGIN: 'pixsed mocks', PIXSEDV: PIXSED_VERSION, MOCKSEED: cfg.seed };
}
