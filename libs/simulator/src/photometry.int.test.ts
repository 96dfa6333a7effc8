import { describe, expect, it } from 'vitest';
import { hasData, missingDataMessage, dataPath } from '@pixsed/core/node';
import { abFluxNjy } from './synthetic-photometry.js';
import { abMagnitude } from './ab-magnitude.js';
import { loadFilterSet } from './node/load-filter-curve.js';
import { loadMaraston05 } from './node/load-maraston05.js';
import { createPhotometryEngine } from './photometry-engine.js';
import { flatLambdaCdm } from './cosmology.js';
import { PHYS } from './constants.js';
import { hasPythonModules, runPythonJson } from './test-python.js';

const need = ['filters/jades-sbipix/filters_jades_no_wfc.dat', 'filters/sedpy/jwst_f444w.par', 'ssp/maraston05/sed.krz002.rhb'];
const ok = hasData(...need);

describe.skipIf(!ok)(`synthetic photometry${ok ? '' : ` — ${missingDataMessage(...need)}`}`, () => {
  it('a flat f_ν = 3631 Jy spectrum has AB magnitude 0.000 in every JADES, HST and sedpy band (to 1e-4)', () => {
    const filters = [...loadFilterSet('jades'), ...loadFilterSet('hst-wfc3ir'), ...loadFilterSet('sedpy')];
    expect(filters.length).toBe(19 + 4 + 14);
    const w = Float64Array.from({ length: 60000 }, (_, i) => 2000 + i);
    const fl = Float64Array.from(w, (l) => (3631e-23 * PHYS.cAngstromPerS) / (l * l));
    let worst = 0;
    for (const f of filters) {
      const m = abMagnitude(abFluxNjy(w, fl, f));
      worst = Math.max(worst, Math.abs(m));
      expect(Math.abs(m)).toBeLessThan(1e-4);
    }
    console.log(`[photometry] worst AB zero-point error over ${filters.length} bands: ${worst.toExponential(2)} mag`);
  });

  it('band order follows filters_jades_no_wfc.dat', () => {
    expect(loadFilterSet('jades').map((f) => f.name)).toEqual([
      'f090w', 'f115w', 'f150w', 'f182m', 'f200w', 'f210m', 'f277w', 'f335m', 'f356w', 'f410m', 'f430m', 'f444w', 'f460m', 'f480m',
      'f435w', 'f606w', 'f775w', 'f814w', 'f850lp',
    ]);
  });

  it.skipIf(!hasPythonModules('numpy'))('SSP colours agree with an independent numpy computation (np.trapz) to 1e-3 mag', () => {
    const grid = loadMaraston05();
    const filters = loadFilterSet('jades');
    const z = 0.5;
    const ageIdx = grid.ageGyr.findIndex((a) => Math.abs(a - 1) < 1e-9); // 1 Gyr
    const engine = createPhotometryEngine(grid, filters, flatLambdaCdm(), { zMax: 1 });
    const mass = new Float64Array(grid.ageGyr.length);
    mass[ageIdx] = 1;
    const fast = engine.bandFluxesNjy({ z, logZsol: 0, avMag: 0, sspMassFormedMsun: mass });
    const ref = runPythonJson<number[]>(
      `import json,sys
import numpy as np
d=json.load(sys.stdin)
t=np.loadtxt(d['ssp'])
t=t[np.isclose(t[:,0],1.0)]
lam=t[:,2]*(1+d['z']); fl=t[:,3]   # observed λ; f_λ up to a constant (colours only)
mags=[]
for f in d['filters']:
    ft=np.loadtxt(f); wl,T=ft[:,0],ft[:,1]
    o=np.argsort(wl); wl,T=wl[o],T[o]
    fi=np.interp(wl,lam,fl,left=0,right=0)
    fnu=np.trapz(fi*wl*T,wl)/np.trapz(2.99792458e18/wl*T,wl)
    mags.append(float(-2.5*np.log10(fnu)))
print(json.dumps(mags))`,
      { ssp: dataPath('ssp', 'maraston05', 'sed.krz002.rhb'), z, filters: filters.map((f) => f.source) },
    );
    const ts = Array.from(fast, (f) => abMagnitude(f));
    let worst = 0;
    for (let b = 1; b < filters.length; b++) {
      const dc = ts[b] - ts[0] - (ref[b] - ref[0]);
      worst = Math.max(worst, Math.abs(dc));
      expect(Math.abs(dc)).toBeLessThan(1e-3);
    }
    console.log(`[photometry] worst colour difference vs numpy: ${worst.toExponential(2)} mag`);
  });

  it('the fast engine equals the reference path (spectrum → abFluxNjy) with dust, IGM and a composite SFH', () => {
    const grid = loadMaraston05();
    const filters = loadFilterSet('jades');
    const cosmo = flatLambdaCdm();
    const engine = createPhotometryEngine(grid, filters, cosmo, { zMax: 8 });
    const mass = Float64Array.from(grid.ageGyr, (a) => (a < 0.5 ? 1e6 * a : 0));
    for (const z of [0.3, 2.345, 4.1, 6.789]) {
      const p = { z, logZsol: -0.6, avMag: 0.7, avBirthCloudExtraMag: 0.5, sspMassFormedMsun: mass };
      const fast = engine.bandFluxesNjy(p);
      const s = engine.restFrameSpectrum(p);
      const dl = cosmo.luminosityDistanceCm(z);
      const lobs = Float64Array.from(s.wavelengthAngstrom, (l) => l * (1 + z));
      const fl = Float64Array.from(s.lLambda, (v, i) => (v * s.igmTransmission[i]) / (4 * Math.PI * dl * dl * (1 + z)));
      filters.forEach((f, b) => {
        const exact = abFluxNjy(lobs, fl, f);
        expect(Math.abs(abMagnitude(fast[b]) - abMagnitude(exact))).toBeLessThan(1e-3);
      });
    }
  });
});
