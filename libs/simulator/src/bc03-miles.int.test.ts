import { mkdtempSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFileError } from '@pixsed/core';
import { dataPath, hasData, missingDataMessage, readNpy, writeNpy } from '@pixsed/core/node';
import { abMagnitude } from './ab-magnitude.js';
import { flatLambdaCdm, PLANCK18 } from './cosmology.js';
import { BC03_MILES_FILES, loadBc03Miles } from './node/load-bc03-miles.js';
import { loadFilterSet } from './node/load-filter-curve.js';
import { createEnginesFromData, simulateCatalog } from './node/simulate-catalog.js';
import { createPhotometryEngine } from './photometry-engine.js';
import { remnantsFromLiveFraction } from './remnant-mass.js';
import { hasPythonModules, runPythonJson } from './test-python.js';

const need = ['ssp/bc03-miles/lum_lsun_per_aa.npy', 'ssp/maraston05/stellarmass.kroupa', 'filters/jades-sbipix/filters_jades_no_wfc.dat'];
const ok = hasData(...need);
const tmp = mkdtempSync(join(tmpdir(), 'pixsed-bc03-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!ok)(`BC03-MILES SSP library${ok ? '' : ` — ${missingDataMessage(...need)}`}`, () => {
  it.skipIf(!hasPythonModules('numpy', 'astropy'))('band magnitudes equal an independent numpy + astropy computation on the same grid and filter curves (≤ 0.01 mag)', () => {
    const grid = loadBc03Miles();
    const filters = loadFilterSet('jades');
    const engine = createPhotometryEngine(grid, filters, flatLambdaCdm(PLANCK18), { zMax: 6, igm: false, nebular: false });
    const cases = [
      { z: 0.5, zIdx: 4, ageYr: 1e9 },
      { z: 2.0, zIdx: 1, ageYr: 1e8 },
      { z: 5.0, zIdx: 5, ageYr: 1e7 },
      { z: 3.3, zIdx: 0, ageYr: 5e9 },
    ];
    const ref = runPythonJson<number[][]>(
      `import json,sys
import numpy as np
from astropy.cosmology import FlatLambdaCDM
import astropy.units as u
d=json.load(sys.stdin)
L=np.load(d['dir']+'/lum_lsun_per_aa.npy',mmap_mode='r'); age=np.load(d['dir']+'/age_yr.npy'); w=np.load(d['dir']+'/wavelength_aa.npy')
cosmo=FlatLambdaCDM(H0=67.66,Om0=0.3097,Tcmb0=0)
out=[]
for c in d['cases']:
    j=int(np.argmin(abs(age-c['ageYr'])))
    dl=cosmo.luminosity_distance(c['z']).to(u.cm).value
    fl=np.asarray(L[c['zIdx'],j],dtype=np.float64)*3.826e33/(4*np.pi*dl**2*(1+c['z']))  # erg/s/cm2/A at lambda(1+z)
    lam=w*(1+c['z'])
    mags=[]
    for f in d['filters']:
        ft=np.loadtxt(f); fw,T=ft[:,0],ft[:,1]; o=np.argsort(fw); fw,T=fw[o],T[o]
        fi=np.interp(fw,lam,fl,left=0,right=0)
        fnu=np.trapz(fi*fw*T,fw)/np.trapz(2.99792458e18/fw*T,fw)   # erg/s/cm2/Hz
        mags.append(float(-2.5*np.log10(fnu)-48.6))
    out.append(mags)
print(json.dumps(out))`,
      { dir: dataPath('ssp', 'bc03-miles'), cases, filters: filters.map((f) => f.source) },
    );
    let worst = 0;
    cases.forEach((c, k) => {
      const j = grid.ageGyr.reduce((best, a, i) => (Math.abs(a * 1e9 - c.ageYr) < Math.abs(grid.ageGyr[best] * 1e9 - c.ageYr) ? i : best), 0);
      const mass = new Float64Array(grid.ageGyr.length);
      mass[j] = 1;
      const f = engine.bandFluxesNjy({ z: c.z, logZsol: grid.metallicityLogZsol[c.zIdx], avMag: 0, sspMassFormedMsun: mass });
      filters.forEach((_, b) => {
        if (!Number.isFinite(ref[k][b])) return; // band blueward of the grid's coverage (none here)
        const d = abMagnitude(f[b]) - ref[k][b];
        worst = Math.max(worst, Math.abs(d));
        expect(Math.abs(d)).toBeLessThan(0.01);
      });
    });
    console.log(`[bc03] worst |Δmag| pixsed vs numpy+astropy over ${cases.length} SSPs × ${filters.length} bands: ${worst.toExponential(2)}`);
  });

  it('surviving mass (living stars + Renzini & Ciotti remnants) agrees with Maraston (2005) M*_T to 3 %, remnants to 25 % (ages 10 Myr–13 Gyr, solar)', () => {
    const bc = loadBc03Miles();
    const table = readFileSync(dataPath('ssp', 'maraston05', 'stellarmass.kroupa'), 'latin1')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => l.trim().split(/\s+/).map(Number))
      .filter((r) => Math.abs(r[0]) < 1e-6);
    const live = readNpy(dataPath('ssp', 'bc03-miles', BC03_MILES_FILES.liveFraction)).data;
    const kSolar = bc.metallicityLogZsol.findIndex((v) => Math.abs(v) < 1e-9);
    const nA = bc.ageGyr.length;
    let worstTotal = 0;
    let worstRem = 0;
    for (const ageGyr of [0.01, 0.1, 0.5, 1, 2, 5, 10, 13]) {
      const row = table.find((r) => Math.abs(r[1] - ageGyr) < 1e-6)!;
      const j = bc.ageGyr.reduce((best, a, i) => (Math.abs(a - ageGyr) < Math.abs(bc.ageGyr[best] - ageGyr) ? i : best), 0);
      const surv = bc.survivingMassFraction[kSolar * nA + j];
      const liveFrac = live[kSolar * (nA + 1) + j + 1]; // the file has the age-0 SSP the loader drops
      const remnants = row[4] + row[5] + row[6]; // WD + NS + BH
      worstTotal = Math.max(worstTotal, Math.abs(surv / row[2] - 1));
      worstRem = Math.max(worstRem, Math.abs((surv - liveFrac) / remnants - 1));
      expect(Math.abs(surv / row[2] - 1)).toBeLessThan(0.03);
      expect(Math.abs((surv - liveFrac) / remnants - 1)).toBeLessThan(0.25);
    }
    console.log(`[bc03] surviving mass vs Maraston M*_T: worst ${(worstTotal * 100).toFixed(1)} %; remnants vs WD+NS+BH: worst ${(worstRem * 100).toFixed(1)} %`);
    expect(remnantsFromLiveFraction(1).remnantFraction).toBe(0);
  });

  it('ssp: {library: bc03-miles} reaches [Z/H] = −2.3, a mixture draws each row from one library with its weight, and the catalogue names both', () => {
    const n = 2048;
    const bc = simulateCatalog({ n: 300, seed: 5, config: { ssp: { library: 'bc03-miles' }, noise: { mode: 'none' } } });
    const mz = Array.from(bc.columns.metallicity);
    expect(Math.min(...mz)).toBeLessThan(-2.2);
    expect(Math.max(...mz)).toBeLessThanOrEqual(0.4);
    expect(bc.provenance?.ssp.map((s) => [s.library, s.imf, s.weight])).toEqual([['bc03-miles', 'chabrier03', 1]]);
    const mix = simulateCatalog({ n, seed: 5, config: { ssp: { mixture: [{ library: 'maraston05', weight: 3 }, { library: 'bc03-miles', weight: 1 }] }, noise: { mode: 'none' } } });
    const lib = mix.columns.ssp_library;
    const nBc = lib.reduce((a, v) => a + v, 0);
    // binomial: 512 expected, σ = 19.6
    expect(Math.abs(nBc - n / 4)).toBeLessThan(4 * Math.sqrt(n * 0.25 * 0.75));
    for (let r = 0; r < n; r++) {
      if (lib[r] === 0) expect(mix.columns.metallicity[r]).toBeGreaterThanOrEqual(-1.35); // Maraston's floor
    }
    expect(Array.from(lib).some((v, r) => v === 1 && mix.columns.metallicity[r] < -1.35)).toBe(true);
    expect(mix.provenance?.ssp.map((s) => [s.library, s.weight])).toEqual([['maraston05', 0.75], ['bc03-miles', 0.25]]);
    // the default is Maraston (2005) alone, and its rows do not change when the key is spelled out
    const a = simulateCatalog({ n: 300, seed: 5, config: {} });
    const b = simulateCatalog({ n: 300, seed: 5, config: { ssp: { library: 'maraston05' } } });
    expect(Array.from(b.columns.flux_f444w_njy)).toEqual(Array.from(a.columns.flux_f444w_njy));
    expect(a.columnNames).not.toContain('ssp_library');
  });

  it('cosmology: {name: flat-lcdm, h0KmSMpc: 70, omegaM: 0.3} (SBIPIX) is used for distances and ages; an unknown library is a config error', () => {
    const [e] = createEnginesFromData('jades', { cosmology: { name: 'flat-lcdm', h0KmSMpc: 70, omegaM: 0.3 }, nebular: { enabled: false } });
    expect([e.engine.cosmology.h0, e.engine.cosmology.omegaM]).toEqual([70, 0.3]);
    // D_L(z = 1) of FlatLambdaCDM(70, 0.3, Tcmb0 = 0) = 6607.66 Mpc (astropy 5.x)
    expect(e.engine.cosmology.luminosityDistanceMpc(1)).toBeCloseTo(6607.66, 1);
    expect(() => createEnginesFromData('jades', { ssp: { library: 'fsps' as never } })).toThrow(/ssp: expected \{library: maraston05 \| bc03-miles\} or \{mixture/);
  });

  describe('bad SSP folders: errors name the file and what was expected', () => {
    const make = (name: string, edit: (f: Record<string, { data: Float64Array | Float32Array; shape: number[] }>) => void): string => {
      const dir = join(tmp, name);
      mkdirSync(dir, { recursive: true });
      const nZ = 2;
      const nA = 4;
      const nW = 6;
      const files: Record<string, { data: Float64Array | Float32Array; shape: number[] }> = {
        [BC03_MILES_FILES.metallicity]: { data: Float64Array.from([0.2, 1]), shape: [nZ] },
        [BC03_MILES_FILES.age]: { data: Float64Array.from([0, 1e6, 1e8, 1e10]), shape: [nA] },
        [BC03_MILES_FILES.wavelength]: { data: Float64Array.from([100, 900, 3000, 10000, 30000, 90000]), shape: [nW] },
        [BC03_MILES_FILES.lum]: { data: new Float32Array(nZ * nA * nW).fill(1e-3), shape: [nZ, nA, nW] },
        [BC03_MILES_FILES.liveFraction]: { data: Float64Array.from([1, 0.9, 0.7, 0.5, 1, 0.9, 0.7, 0.5]), shape: [nZ, nA] },
      };
      edit(files);
      for (const [f, v] of Object.entries(files)) writeNpy(join(dir, f), v.data, v.shape);
      return dir;
    };
    it('a clean small folder loads (the age-0 SSP dropped, remnants added)', () => {
      const g = loadBc03Miles(make('clean', () => {}));
      expect(Array.from(g.ageGyr)).toEqual([1e-3, 0.1, 10]);
      expect(g.survivingMassFraction[2]).toBeGreaterThan(0.5);
    });
    const cases: [string, (f: Record<string, { data: Float64Array | Float32Array; shape: number[] }>) => void, RegExp][] = [
      ['missing live fraction', (f) => delete f[BC03_MILES_FILES.liveFraction], /live_mass_fraction\.npy.*file not found/],
      ['luminosity with the wrong shape', (f) => (f[BC03_MILES_FILES.lum] = { data: new Float32Array(2 * 4 * 5), shape: [2, 4, 5] }), /lum_lsun_per_aa\.npy.*expected \(2, 4, 6\)/],
      ['ages in Gyr instead of years', (f) => (f[BC03_MILES_FILES.age] = { data: Float64Array.from([0, 0.001, 0.1, 10]), shape: [4] }), /age_yr\.npy.*expected the oldest SSP age in years/],
      ['wavelengths in µm', (f) => (f[BC03_MILES_FILES.wavelength] = { data: Float64Array.from([0.01, 0.09, 0.3, 1, 3, 9]), shape: [6] }), /wavelength_aa\.npy.*expected Å/],
      ['a negative luminosity', (f) => (f[BC03_MILES_FILES.lum].data[7] = -1), /lum_lsun_per_aa\.npy.*\[0, 1, 1\].*expected a finite L_λ ≥ 0/],
      ['a NaN luminosity', (f) => (f[BC03_MILES_FILES.lum].data[30] = Number.NaN), /lum_lsun_per_aa\.npy.*expected a finite L_λ/],
      ['a live fraction above 1', (f) => (f[BC03_MILES_FILES.liveFraction].data[3] = 1.5), /live_mass_fraction\.npy.*live fraction\[3\].*\[0, 1\]/],
      ['metallicity as log Z instead of Z/Zsun', (f) => (f[BC03_MILES_FILES.metallicity].data[0] = -0.7), /metallicity_zsun\.npy.*Z\/Z☉ in \(0, 10\]/],
    ];
    for (const [what, edit, re] of cases) {
      it(what, () => {
        const dir = make(what.replace(/\W+/g, '-'), edit);
        expect(() => loadBc03Miles(dir)).toThrow(DataFileError);
        expect(() => loadBc03Miles(dir)).toThrow(re);
        expect(() => loadBc03Miles(dir)).toThrow(dir);
      });
    }
  });
});
