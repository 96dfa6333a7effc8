import { ConfigError } from '@pixsed/core';
import type { Cosmology } from './cosmology.js';
import type { NebularIdentity, PhotometryEngine } from './photometry-engine.js';
import type { NoiseTables } from './noise-model.js';
import { noisyFlux } from './noise-model.js';
import { createPrng, type Prng } from './prng.js';
import type { Sfh } from './sfh.js';
import { delayedTauSfh } from './sfh-delayed-tau.js';
import { continuitySfh, dirichletSfh } from './sfh-piecewise.js';
import { sfhSummary, sspAgeBinEdges, sspMassFractions } from './sfh-summary.js';
import { metallicityBracket, sspGridIdentity } from './ssp-grid.js';
import { cloudyLogUPrior, type SimulatorConfig } from './simulator-config.js';

/** A simulated catalogue: one typed-array column per quantity, all of length n. */
export interface Catalog {
  n: number;
  bands: string[];
  /** Column names in output order. */
  columnNames: string[];
  columns: Record<string, Float64Array | Float32Array>;
  /** Units / meaning per column (for the .json sidecar and docs). */
  units: Record<string, string>;
  seed: number;
  /** What produced the photometry: the SSP grid(s) with their mixture weights and the cosmology (for model manifests). */
  provenance?: CatalogProvenance;
}

export interface CatalogProvenance {
  /** Per SSP library: its grid identity (checksum), mixture weight and the nebular emission its engine adds (Cloudy grid checksum). */
  ssp: (ReturnType<typeof sspGridIdentity> & { weight: number; nebular: NebularIdentity })[];
  cosmology: { h0KmSMpc: number; omegaM: number };
}

/** Rows per independently seeded chunk: results do not depend on how chunks are spread over workers. */
export const CATALOG_CHUNK_ROWS = 4096;

/** Seed of chunk c for a catalogue seed (splitmix-style mixing). */
export function chunkSeed(seed: number, chunk: number): number {
  return (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(chunk + 1, 0x85ebca6b)) | 0;
}

/** One SSP library of a mixture: each row is drawn from one engine with probability weight / Σ weights. */
export interface WeightedEngine {
  library: string;
  weight: number;
  engine: PhotometryEngine;
}

export interface GenerateCatalogOptions {
  /** The photometry engine (one SSP library), or `engines` for an SSP mixture (exactly one of the two). */
  engine?: PhotometryEngine;
  /** SSP mixture (`ssp.mixture` in the config): same bands and cosmology in every engine; adds column `ssp_library`. */
  engines?: WeightedEngine[];
  config: SimulatorConfig;
  n: number;
  seed: number;
  /** Needed unless config.noise.mode is 'none'; band order must contain every engine band. */
  noise?: NoiseTables;
  /** Only rows [rowStart, rowStart + n) of the full catalogue with this seed (for workers); default 0. */
  rowStart?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Parameter column names (before the per-band flux columns). */
export const PARAMETER_COLUMNS = ['log_mstar', 'log_sfr100', 'log_sfr10', 'log_age_mw', 't50_gyr', 'metallicity', 'av', 'z'] as const;

const UNITS: Record<string, string> = {
  log_mstar: 'log10 surviving stellar mass (living + remnants) [Msun]',
  log_sfr100: 'log10 SFR averaged over the last 100 Myr [Msun/yr] (floored at logSfrFloor)',
  log_sfr10: 'log10 SFR averaged over the last 10 Myr [Msun/yr] (floored at logSfrFloor)',
  log_age_mw: 'log10 formed-mass-weighted lookback age [yr]',
  t50_gyr: 'lookback time at which half the stellar mass had formed [Gyr]',
  metallicity: '[Z/H] = log10(Z/Zsun) of stars and gas',
  av: 'Calzetti (2000) V-band attenuation [mag]',
  z: 'redshift',
};

// t(z) tables per cosmology (≈ 0.1 s to build; reused by every chunk and call in this thread)
const AGE_TABLES = new WeakMap<Cosmology, Map<string, Float64Array>>();
function ageTable(cosmo: Cosmology, dzAge: number, n: number): Float64Array {
  let m = AGE_TABLES.get(cosmo);
  if (!m) AGE_TABLES.set(cosmo, (m = new Map()));
  const key = `${dzAge}:${n}`;
  let t = m.get(key);
  if (!t) m.set(key, (t = Float64Array.from({ length: n }, (_, i) => cosmo.ageGyr(i * dzAge))));
  return t;
}

/**
 * Draw n objects from the priors in `config`, compute noiseless and noisy photometry. Deterministic for a given
 * (seed, rowStart, n): row r always uses chunk ⌊r / 4096⌋'s PRNG stream.
 */
export function generateCatalog(o: GenerateCatalogOptions): Catalog {
  const { config, n, seed } = o;
  const libs = mixtureEngines(o);
  const mixture = libs.length > 1;
  const engine0 = libs[0].engine;
  const rowStart = o.rowStart ?? 0;
  const cosmo = engine0.cosmology;
  const bands = engine0.bands;
  const nB = bands.length;
  const noiseMode = config.noise.mode;
  let noiseIndex: Int32Array | undefined;
  if (noiseMode !== 'none') {
    if (!o.noise) throw new RangeError(`noise mode '${noiseMode}' needs noise tables`);
    const nt = o.noise;
    const missing = bands.filter((b) => !nt.bands.includes(b));
    if (missing.length) {
      const message = `bands ${missing.join(', ')} have no noise statistics (the tables have ${nt.bands.join(', ')}); use mode 'none' for them`;
      throw new ConfigError(undefined, [{ path: 'noise.mode', message }], 'simulator config (simulatorConfigSchema)');
    }
    noiseIndex = Int32Array.from(bands, (b) => nt.bands.indexOf(b));
  }
  const columns: Record<string, Float64Array | Float32Array> = {};
  const names: string[] = [...PARAMETER_COLUMNS];
  for (const c of PARAMETER_COLUMNS) columns[c] = new Float64Array(n);
  const units: Record<string, string> = { ...UNITS };
  const flux: Float32Array[] = [];
  const err: Float32Array[] = [];
  const tru: Float32Array[] = [];
  for (const b of bands) {
    const f = `flux_${b}_njy`;
    const e = `flux_${b}_err_njy`;
    const t = `flux_${b}_true_njy`;
    names.push(f, e, t);
    flux.push((columns[f] = new Float32Array(n)));
    err.push((columns[e] = new Float32Array(n)));
    tru.push((columns[t] = new Float32Array(n)));
    units[f] = `observed (noisy) flux density in ${b} [nJy]; NaN = band missing`;
    units[e] = `1-sigma flux error in ${b} [nJy]; NaN = band missing`;
    units[t] = `noiseless flux density in ${b} [nJy]`;
  }

  const zMin = 'fixed' in config.redshift ? config.redshift.fixed : config.redshift.min;
  const zMax = 'fixed' in config.redshift ? config.redshift.fixed : config.redshift.max;
  // age of the universe on a fine z table (linear interpolation; see dzAge)
  const dzAge = 0.01; // linear interpolation error in t(z) < 1e-5 relative
  const nAgeTab = Math.ceil(zMax / dzAge) + 2;
  const ageTab = ageTable(cosmo, dzAge, nAgeTab);
  const ageAt = (z: number): number => {
    const x = z / dzAge;
    const i = Math.min(Math.floor(x), nAgeTab - 2);
    const u = x - i;
    return ageTab[i] * (1 - u) + ageTab[i + 1] * u;
  };
  const perLib = libs.map((l) => libraryState(l.engine, config));
  const cumWeight = cumulativeWeights(libs);
  const libColumn = mixture ? new Float64Array(n) : undefined;
  if (libColumn) {
    names.push('ssp_library');
    columns.ssp_library = libColumn;
    units.ssp_library = `SSP library of the row: index into [${libs.map((l) => l.library).join(', ')}]`;
  }
  // Cloudy nebular model: log U uniform per row, drawn (one extra uniform) only then, so other configs keep their streams
  const logUPrior = cloudyLogUPrior(config);
  const logUColumn = logUPrior ? new Float64Array(n) : undefined;
  if (logUColumn) {
    names.push('log_u');
    columns.log_u = logUColumn;
    units.log_u = 'log10 ionisation parameter U of the Cloudy nebular emission (dimensionless)';
  }
  const fluxes = new Float64Array(nB);
  const sfhPrior = config.sfh;
  const floor = config.logSfrFloor;
  const pMissing = config.noise.missingBandProbability;
  const errScale = config.noise.errorScale;
  const floorFraction = config.noise.floorFraction ?? 0;
  const rowScaleCfg = config.noise.rowErrorScale;
  const logScaleMin = errScale ? Math.log(errScale.min) : 0;
  const logScaleMax = errScale ? Math.log(errScale.max) : 0;

  let prng: Prng = createPrng(chunkSeed(seed, Math.floor(rowStart / CATALOG_CHUNK_ROWS)));
  // advance to rowStart inside its chunk is not possible cheaply: require chunk-aligned starts
  if (rowStart % CATALOG_CHUNK_ROWS !== 0) throw new RangeError(`rowStart must be a multiple of ${CATALOG_CHUNK_ROWS}`);
  for (let r = 0; r < n; r++) {
    const row = rowStart + r;
    if (row % CATALOG_CHUNK_ROWS === 0) prng = createPrng(chunkSeed(seed, row / CATALOG_CHUNK_ROWS));
    // SSP library of this row (the extra draw only for a mixture, so single-library streams are unchanged)
    const k = mixture ? pickIndex(cumWeight, prng.uniform()) : 0;
    const { engine, grid, nA, mLo, mHi, edges, frac, mass, surv } = perLib[k];
    if (libColumn) libColumn[r] = k;
    const z = zMax === zMin ? zMax : zMax - (zMax - zMin) * prng.uniform(); // (zMin, zMax]
    const tUniv = ageAt(z);
    const metal = prng.uniformIn(mLo, mHi);
    // A_V: uniform, or (avMagLowDust) a two-component uniform mixture; the extra draw only when configured
    const low = config.avMagLowDust;
    const av = low && prng.uniform() < low.fraction ? prng.uniformIn(config.avMag.min, Math.min(low.max, config.avMag.max)) : prng.uniformIn(config.avMag.min, config.avMag.max);
    const logM = prng.uniformIn(config.logMstar.min, config.logMstar.max);
    let sfh: Sfh;
    if (sfhPrior.type === 'delayed-tau') {
      const tau = Math.pow(10, prng.uniformIn(sfhPrior.logTauGyr.min, sfhPrior.logTauGyr.max));
      const minAge = Math.min(sfhPrior.minAgeGyr, tUniv);
      // duration log-uniform, or (linearAgeFraction) uniform in linear time for that fraction of draws
      const linear = sfhPrior.linearAgeFraction > 0 && prng.uniform() < sfhPrior.linearAgeFraction;
      const dur = linear ? prng.uniformIn(minAge, tUniv) : Math.pow(10, prng.uniformIn(Math.log10(minAge), Math.log10(tUniv)));
      sfh = delayedTauSfh(tau, dur);
    } else if (sfhPrior.type === 'nonparametric-dirichlet') {
      sfh = dirichletSfh(prng, sfhPrior.nBins, sfhPrior.alpha, tUniv);
    } else {
      sfh = continuitySfh(prng, sfhPrior.nBins, tUniv, sfhPrior.scale, sfhPrior.df);
    }
    sspMassFractions(sfh, edges, frac);
    const { i0, i1, w1 } = metallicityBracket(grid, metal);
    for (let j = 0; j < nA; j++) surv[j] = grid.survivingMassFraction[i0 * nA + j] * (1 - w1) + grid.survivingMassFraction[i1 * nA + j] * w1;
    const s = sfhSummary(sfh, frac, surv);
    const mFormed = Math.pow(10, logM) / s.survivingFraction;
    for (let j = 0; j < nA; j++) mass[j] = frac[j] * mFormed;
    const logU = logUPrior ? prng.uniformIn(logUPrior.min, logUPrior.max) : undefined;
    if (logUColumn) logUColumn[r] = logU!;
    engine.bandFluxesNjy(
      { z, logZsol: metal, avMag: av, avBirthCloudExtraMag: av * config.birthCloudAvFactor, sspMassFormedMsun: mass, logU },
      fluxes,
    );
    columns.log_mstar[r] = logM;
    columns.log_sfr100[r] = Math.max(floor, Math.log10(mFormed * s.sfr100PerFormed));
    columns.log_sfr10[r] = Math.max(floor, Math.log10(mFormed * s.sfr10PerFormed));
    columns.log_age_mw[r] = Math.log10(s.massWeightedAgeGyr * 1e9);
    columns.t50_gyr[r] = s.t50Gyr;
    columns.metallicity[r] = metal;
    columns.av[r] = av;
    columns.z[r] = z;
    // error-scale augmentation: the extra draws happen only when configured, so other configs keep their streams
    const scaleRow = noiseMode !== 'none' && errScale !== undefined && errScale.fraction > 0 && prng.uniform() < errScale.fraction;
    const rowScale = noiseMode !== 'none' && rowScaleCfg !== undefined && rowScaleCfg.fraction > 0 && prng.uniform() < rowScaleCfg.fraction ? Math.exp(prng.uniformIn(Math.log(rowScaleCfg.min), Math.log(rowScaleCfg.max))) : 1;
    for (let b = 0; b < nB; b++) {
      const f = fluxes[b];
      tru[b][r] = f;
      if (noiseMode === 'none') {
        flux[b][r] = f;
        err[b][r] = 0;
      } else {
        const scale = (scaleRow ? Math.exp(prng.uniformIn(logScaleMin, logScaleMax)) : 1) * rowScale;
        const [fo, eo] = noisyFlux(o.noise!, noiseIndex![b], f, prng, noiseMode, scale, floorFraction);
        flux[b][r] = fo;
        err[b][r] = eo;
      }
      if (pMissing > 0 && prng.uniform() < pMissing) {
        flux[b][r] = Number.NaN;
        err[b][r] = Number.NaN;
      }
    }
    if (o.onProgress && ((r + 1) % 1000 === 0 || r + 1 === n)) o.onProgress(r + 1, n);
  }
  const provenance: CatalogProvenance = {
    ssp: libs.map((l) => ({ ...sspGridIdentity(l.engine.grid), library: l.library, weight: l.weight, nebular: l.engine.nebular })),
    cosmology: { h0KmSMpc: cosmo.h0, omegaM: cosmo.omegaM },
  };
  return { n, bands, columnNames: names, columns, units, seed, provenance };
}

/** The engines of a call, checked (weights > 0, same bands and cosmology), weights normalised to sum 1. */
function mixtureEngines(o: GenerateCatalogOptions): WeightedEngine[] {
  if ((o.engine === undefined) === (o.engines === undefined)) throw new RangeError('generateCatalog: give exactly one of `engine` and `engines`');
  const libs = o.engines ?? [{ library: o.engine!.grid.library ?? o.engine!.grid.name, weight: 1, engine: o.engine! }];
  if (libs.length === 0) throw new RangeError('generateCatalog: `engines` is empty');
  const b0 = libs[0].engine.bands.join(',');
  for (const l of libs) {
    if (!(l.weight > 0)) throw new RangeError(`generateCatalog: weight of SSP library ${l.library} must be > 0, got ${l.weight}`);
    if (l.engine.bands.join(',') !== b0) throw new RangeError(`generateCatalog: SSP library ${l.library} has bands ${l.engine.bands.join(',')}, expected ${b0}`);
    if (l.engine.cosmology !== libs[0].engine.cosmology) throw new RangeError(`generateCatalog: SSP library ${l.library} uses another cosmology object than ${libs[0].library}`);
  }
  const total = libs.reduce((a, l) => a + l.weight, 0);
  return libs.map((l) => ({ ...l, weight: l.weight / total }));
}

/** Per-library constants and scratch arrays: [Z/H] prior ∩ grid, SSP age bins. */
function libraryState(engine: PhotometryEngine, config: SimulatorConfig) {
  const grid = engine.grid;
  const nA = grid.ageGyr.length;
  const zGrid0 = grid.metallicityLogZsol[0];
  const zGrid1 = grid.metallicityLogZsol[grid.metallicityLogZsol.length - 1];
  const mLo = Math.max(config.metallicity.min, zGrid0);
  const mHi = Math.min(config.metallicity.max, zGrid1);
  if (mHi < mLo) throw new RangeError(`metallicity prior [${config.metallicity.min}, ${config.metallicity.max}] does not overlap the grid ${grid.name} [${zGrid0}, ${zGrid1}]`);
  return { engine, grid, nA, mLo, mHi, edges: sspAgeBinEdges(grid.ageGyr), frac: new Float64Array(nA), mass: new Float64Array(nA), surv: new Float64Array(nA) };
}

/** Cumulative normalised weights (the last set to exactly 1). */
function cumulativeWeights(libs: WeightedEngine[]): Float64Array {
  const c = new Float64Array(libs.length);
  let acc = 0;
  libs.forEach((l, i) => (c[i] = acc += l.weight));
  c[libs.length - 1] = 1;
  return c;
}

function pickIndex(cum: Float64Array, u: number): number {
  let i = 0;
  while (i < cum.length - 1 && u >= cum[i]) i++;
  return i;
}
