import type { MockGalaxy } from './build-mock-galaxies.js';
import type { GalaxyTruthStats } from './galaxy-truth-stats.js';
import type { MosaicConfig } from './mosaic-config.js';
import { TRUTH_MAPS } from './truth-maps.js';

const r6 = (v: number) => Number(v.toPrecision(7));
const log = (v: number) => (v > 0 ? r6(Math.log10(v)) : null);

/**
 * The truth.json document of a mock mosaic: configuration echo, per-band σ and PSF, the definitions of every truth
 * quantity, and per galaxy and component the configured and measured (image, footprint) masses, SFRs and fluxes.
 * Numbers are rounded to 7 significant digits (log quantities of non-positive values are null).
 */
export function mockTruthJson(
  cfg: MosaicConfig,
  galaxies: MockGalaxy[],
  stats: GalaxyTruthStats[],
  sigmaNjy: Record<string, number>,
  kernels: Map<string, { desc: Record<string, unknown> }>,
  version: string,
) {
  const bands = cfg.bands;
  const perBand = (a: ArrayLike<number>) => Object.fromEntries(bands.map((b, i) => [b, r6(a[i])]));
  return {
    generator: `pixsed mocks ${version}`,
    seed: cfg.seed,
    widthPx: cfg.widthPx,
    heightPx: cfg.heightPx,
    pixelScaleArcsec: cfg.pixelScaleArcsec,
    bands,
    sigmaNjy: Object.fromEntries(bands.map((b) => [b, r6(sigmaNjy[b])])),
    psf: Object.fromEntries(bands.map((b) => [b, kernels.get(b)!.desc])),
    segmentation: cfg.segmentation,
    definitions: {
      maps: TRUTH_MAPS,
      weights: 'w_c = fraction of component c\'s light and mass in the pixel (truncated Sérsic profile, unit sum); pixel mass = Σ_c M_c w_c; maps are intrinsic (not PSF-convolved)',
      log_mstar_total: 'log10 Σ_c M_c (configured component masses, whole profiles)',
      log_mstar_image: 'log10 Σ_c M_c × fraction of the profile inside the image',
      log_mstar_footprint: 'log10 Σ of the truth mass map over the galaxy\'s segmentation footprint (includes light of overlapping neighbours)',
      sfr100_footprint_msun_per_yr: 'Σ of the pixel SFR100 (linear) over the footprint',
      flux_total_njy: 'Σ_c component flux (noiseless, whole profiles)',
      flux_image_njy: 'Σ_c component flux × fraction of the profile inside the image (before PSF)',
      flux_footprint_njy: 'Σ of the noiseless PSF-convolved image over the footprint (includes neighbours\' light)',
    },
    galaxies: galaxies.map((g, gi) => galaxyTruthEntry(g, stats[gi], bands, perBand)),
  };
}

/** One galaxy of truth.json: centre, configured (total) and measured (image, footprint) masses, SFRs, fluxes, components. */
function galaxyTruthEntry(g: MockGalaxy, st: GalaxyTruthStats, bands: string[], perBand: (a: ArrayLike<number>) => Record<string, number>) {
  const mTot = g.components.reduce((a, c) => a + c.pop.massMsun, 0);
  const sfrTot = g.components.reduce((a, c) => a + c.pop.sfr100MsunPerYr, 0);
  const fTot = bands.map((_, bi) => g.components.reduce((a, c) => a + c.pop.fluxNjy[bi], 0));
  return {
    id: g.id,
    z: g.z,
    xPx: r6(g.xPx),
    yPx: r6(g.yPx),
    raDeg: Number(g.raDeg.toFixed(8)),
    decDeg: Number(g.decDeg.toFixed(8)),
    log_mstar_total: log(mTot),
    log_mstar_image: log(g.components.reduce((a, c, ci) => a + c.pop.massMsun * st.compInImage[ci], 0)),
    log_mstar_footprint: log(st.footprintMassMsun),
    sfr100_total_msun_per_yr: r6(sfrTot),
    log_sfr100_total: log(sfrTot),
    sfr100_footprint_msun_per_yr: r6(st.footprintSfr),
    footprint_pixels: st.footprintPixels,
    flux_total_njy: perBand(fTot),
    flux_image_njy: perBand(st.fluxImage),
    flux_footprint_njy: perBand(st.fluxFootprint),
    components: g.components.map((c, ci) => ({
      kind: c.spec.kind,
      xPx: r6(c.xPx),
      yPx: r6(c.yPx),
      profile: c.spec.profile,
      sfh: c.spec.sfh,
      log_mstar: c.spec.logMstar,
      formed_mass_msun: r6(c.pop.formedMassMsun),
      sfr100_msun_per_yr: r6(c.pop.sfr100MsunPerYr),
      log_age_mw_yr: log(c.pop.ageMwYr),
      metallicity: c.pop.metallicity,
      av_mag: c.pop.avMag,
      fraction_in_image: r6(st.compInImage[ci]),
      fraction_in_footprint: r6(st.compInFootprint[ci]),
      flux_njy: perBand(c.pop.fluxNjy),
    })),
  };
}
