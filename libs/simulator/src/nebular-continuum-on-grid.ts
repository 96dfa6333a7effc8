import { PHYS } from './constants.js';
import type { NebularTables } from './nebular-tables.js';

/**
 * Nebular continuum per ionising photon [erg/s/Å per photon/s] on the SSP wavelength grid `wl`, one array per
 * nebular-table metallicity: L_λ,cont/L(Hβ) linearly interpolated in λ, × L(Hβ)/Q(H) (case B); 0 outside the table.
 */
export function nebularContinuumOnGrid(neb: NebularTables, wl: Float64Array): Float64Array[] {
  const cw = neb.continuumWavelengthAngstrom;
  const nW = wl.length;
  const out: Float64Array[] = [];
  for (let t = 0; t < neb.metallicityZ.length; t++) {
    const c = new Float64Array(nW);
    let j = 0;
    for (let i = 0; i < nW; i++) {
      const l = wl[i];
      while (j < cw.length - 2 && cw[j + 1] < l) j++;
      if (l < cw[0] || l > cw[cw.length - 1]) continue;
      const u = (l - cw[j]) / (cw[j + 1] - cw[j]);
      const v = neb.continuumPerHbeta[t * cw.length + j] * (1 - u) + neb.continuumPerHbeta[t * cw.length + j + 1] * u;
      c[i] = v * PHYS.hbetaErgPerIonisingPhoton;
    }
    out.push(c);
  }
  return out;
}
