import { describe, expect, it } from 'vitest';
import { flatLambdaCdm, PLANCK18 } from './cosmology.js';
import { hasPythonModules, runPythonJson } from './test-python.js';

const ok = hasPythonModules('astropy', 'numpy');

describe.skipIf(!ok)(`cosmology vs astropy FlatLambdaCDM(H0=67.66, Om0=0.3097, Tcmb0=0)${ok ? '' : ' — skipped: /usr/bin/python3 with astropy not found'}`, () => {
  it('luminosity distance and age agree to 1e-4 relative (no radiation on either side)', () => {
    const zs = [0.01, 0.1, 0.5, 1, 2, 3, 5, 7.5, 10];
    const ref = runPythonJson<{ dl: number[]; age: number[] }>(
      `import json,sys
from astropy.cosmology import FlatLambdaCDM
zs=json.load(sys.stdin)
c=FlatLambdaCDM(H0=67.66, Om0=0.3097, Tcmb0=0)
print(json.dumps({'dl':[float(c.luminosity_distance(z).value) for z in zs],'age':[float(c.age(z).value) for z in zs]}))`,
      zs,
    );
    const c = flatLambdaCdm(PLANCK18);
    let worst = 0;
    zs.forEach((z, i) => {
      const rdl = Math.abs(c.luminosityDistanceMpc(z) / ref.dl[i] - 1);
      const rage = Math.abs(c.ageGyr(z) / ref.age[i] - 1);
      worst = Math.max(worst, rdl, rage);
      expect(rdl).toBeLessThan(1e-4);
      expect(rage).toBeLessThan(1e-4);
    });
    console.log(`[cosmology] worst relative deviation from astropy: ${worst.toExponential(2)}`);
  });
});
