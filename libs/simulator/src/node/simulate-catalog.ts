import { flatLambdaCdm, PLANCK18, type Cosmology } from '../cosmology.js';
import type { FilterCurve } from '../filter-curve.js';
import { generateCatalog, type Catalog, type WeightedEngine } from '../generate-catalog.js';
import { createPhotometryEngine, type PhotometryEngine } from '../photometry-engine.js';
import { simulatorConfigSchema, sspComponents, type CosmologyConfig, type SimulatorConfigInput, type SspLibrary } from '../simulator-config.js';
import { loadBc03Miles } from './load-bc03-miles.js';
import type { SspGrid } from '../ssp-grid.js';
import { loadCigaleNebular } from './load-cigale-nebular.js';
import { loadFilterSet, type FilterSet } from './load-filter-curve.js';
import { loadMaraston05 } from './load-maraston05.js';
import { loadJadesNoiseTables } from './load-noise-tables.js';
import { loadSurveyFilters } from './load-survey-filters.js';
import { parseConfig } from '@pixsed/core';
import type { SurveyInput } from '@pixsed/surveys';

export interface SimulateCatalogOptions {
  /**
   * The survey whose band set is simulated (built-in name or definition, default 'jades': its 19 bands in the order of
   * filters_jades_no_wfc.dat): names, order and filter files from the survey, pivots checked (`loadSurveyFilters`).
   */
  survey?: string | SurveyInput;
  /** Instead of a survey: a known filter set or explicit filter curves (wins over `survey`). */
  bands?: FilterSet | FilterCurve[];
  n: number;
  seed: number;
  /** Raw config (validated with simulatorConfigSchema; defaults fill the rest). */
  config?: SimulatorConfigInput;
  /** SSP grid (default: Maraston 2005 from the reference data). */
  sspGrid?: SspGrid;
  onProgress?: (done: number, total: number) => void;
}

/** The SSP grid of a library id of the simulator config (`ssp.library`), from the reference data. */
export function loadSspLibrary(library: SspLibrary): SspGrid {
  switch (library) {
    case 'maraston05':
      return loadMaraston05();
    case 'bc03-miles':
      return loadBc03Miles();
  }
}

/** The cosmology of a simulator config (`cosmology`). */
export function cosmologyOf(c: CosmologyConfig): Cosmology {
  return c.name === 'planck18' ? flatLambdaCdm(PLANCK18) : flatLambdaCdm({ h0: c.h0KmSMpc, omegaM: c.omegaM });
}

/**
 * Build one photometry engine per SSP library of the config (`ssp`: one library or a mixture), sharing the filters,
 * the cosmology and the nebular tables (reads reference data). `sspGrid` replaces a single-library config's grid.
 */
export function createEnginesFromData(bands: FilterSet | FilterCurve[], config: SimulatorConfigInput = {}, sspGrid?: SspGrid): WeightedEngine[] {
  const cfg = parseSimulatorConfig(config);
  const filters = typeof bands === 'string' ? loadFilterSet(bands) : bands;
  const zMax = 'fixed' in cfg.redshift ? cfg.redshift.fixed : cfg.redshift.max;
  const cosmology = cosmologyOf(cfg.cosmology);
  const nebularTables = cfg.nebular.enabled ? loadCigaleNebular({ column: cfg.nebular.column }) : undefined;
  const parts = sspComponents(cfg.ssp);
  if (sspGrid && parts.length > 1) throw new RangeError('createEnginesFromData: an explicit sspGrid needs a single-library config (ssp.library)');
  return parts.map(({ library, weight }) => ({
    library: sspGrid ? (sspGrid.library ?? sspGrid.name) : library,
    weight,
    engine: createPhotometryEngine(sspGrid ?? loadSspLibrary(library), filters, cosmology, {
      zMax: Math.max(zMax, cfg.dz * 2) + cfg.dz,
      dz: cfg.dz,
      igm: cfg.igm,
      nebular: cfg.nebular.enabled,
      nebularTables,
    }),
  }));
}

/** The photometry engine of a single-library config (an SSP mixture is an error: use `createEnginesFromData`). */
export function createEngineFromData(bands: FilterSet | FilterCurve[], config: SimulatorConfigInput = {}, sspGrid?: SspGrid): PhotometryEngine {
  const engines = createEnginesFromData(bands, config, sspGrid);
  if (engines.length !== 1) throw new RangeError('createEngineFromData: the config has an SSP mixture (ssp.mixture); use createEnginesFromData');
  return engines[0].engine;
}

/** Validate a simulator config; throws ConfigError naming each offending path. */
export function parseSimulatorConfig(config: unknown, file?: string) {
  return parseConfig(simulatorConfigSchema, config ?? {}, file, 'simulator config (simulatorConfigSchema)');
}

/**
 * Simulate a catalogue from the reference data: the config's SSP library or mixture (default Maraston 2005), CIGALE nebular tables, Inoue (2014) IGM,
 * Calzetti (2000) dust, JADES noise (SBIPIX). Columns: log_mstar, log_sfr100, log_sfr10, log_age_mw, t50_gyr,
 * metallicity, av, z, then flux_<band>_njy, flux_<band>_err_njy, flux_<band>_true_njy per band.
 */
export function simulateCatalog(opts: SimulateCatalogOptions): Catalog {
  return simulateCatalogRows({ ...opts, rowStart: 0 });
}

/** Rows [rowStart, rowStart + n) of the catalogue `simulateCatalog` would give for this seed (rowStart chunk-aligned). */
export function simulateCatalogRows(opts: SimulateCatalogOptions & { rowStart: number }): Catalog {
  const config = parseSimulatorConfig(opts.config ?? {});
  const engines = createEnginesFromData(opts.bands ?? loadSurveyFilters(opts.survey ?? 'jades'), opts.config ?? {}, opts.sspGrid);
  const noise = config.noise.mode === 'none' ? undefined : loadJadesNoiseTables();
  return generateCatalog({ engines, config, n: opts.n, seed: opts.seed, noise, rowStart: opts.rowStart, onProgress: opts.onProgress });
}
