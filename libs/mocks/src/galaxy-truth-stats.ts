import type { MockGalaxy } from './build-mock-galaxies.js';
import { stampOverlapsRows } from './galaxy-band-stamp.js';
import { stampStripWindow } from './stamp-strip-window.js';
import type { TruthAccumulators } from './truth-maps.js';

/** Per-galaxy sums for truth.json, filled strip by strip. */
export interface GalaxyTruthStats {
  footprintPixels: number;
  footprintMassMsun: number;
  footprintSfr: number;
  /** Per component: fraction of its weight stamp inside the image / inside the galaxy's footprint. */
  compInImage: Float64Array;
  compInFootprint: Float64Array;
  /** Per band: noiseless PSF-convolved flux over the footprint; Σ_c flux_c × fraction in image. */
  fluxFootprint: Float64Array;
  fluxImage: Float64Array;
}

export function createGalaxyTruthStats(galaxies: MockGalaxy[], nBands: number): GalaxyTruthStats[] {
  return galaxies.map((g) => ({
    footprintPixels: 0,
    footprintMassMsun: 0,
    footprintSfr: 0,
    compInImage: new Float64Array(g.components.length),
    compInFootprint: new Float64Array(g.components.length),
    fluxFootprint: new Float64Array(nBands),
    fluxImage: new Float64Array(nBands),
  }));
}

/**
 * Add one strip (rows [y0, y1), `width` columns) to the stats: footprint pixel count, truth mass and SFR over the
 * footprint (from `acc`, the strip's truth accumulators), and each component's weight inside the image and inside
 * its galaxy's footprint (`seg` = the strip's segmentation ids).
 */
export function accumulateGalaxyTruthStrip(galaxies: MockGalaxy[], stats: GalaxyTruthStats[], seg: Int32Array, acc: TruthAccumulators, y0: number, y1: number, width: number): void {
  const idIndex = new Map(galaxies.map((g, i) => [g.id, i]));
  for (let k = 0; k < seg.length; k++) {
    const id = seg[k];
    if (id === 0) continue;
    const st = stats[idIndex.get(id)!];
    st.footprintPixels++;
    st.footprintMassMsun += acc.massMsun[k];
    st.footprintSfr += acc.sfrMsunPerYr[k];
  }
  galaxies.forEach((g, gi) => {
    g.components.forEach((c, ci) => {
      const sp = c.stamp;
      if (!stampOverlapsRows(sp, y0, y1)) return;
      const { ja, jb, ia, ib, rowStart } = stampStripWindow(sp, y0, y1, width);
      let inImg = 0;
      let inFp = 0;
      for (let j = ja, row = rowStart; j < jb; j++, row += width) {
        for (let i = ia; i < ib; i++) {
          const w = sp.data[j * sp.width + i];
          inImg += w;
          if (seg[row + i] === g.id) inFp += w;
        }
      }
      stats[gi].compInImage[ci] += inImg;
      stats[gi].compInFootprint[ci] += inFp;
    });
  });
}

/** Per band b: add the strip's noiseless model m to the footprint flux of the galaxy owning each pixel. */
export function accumulateFootprintFlux(galaxies: MockGalaxy[], stats: GalaxyTruthStats[], seg: Int32Array, model: Float64Array, band: number): void {
  const idIndex = new Map(galaxies.map((g, i) => [g.id, i]));
  for (let k = 0; k < seg.length; k++) {
    const id = seg[k];
    if (id !== 0) stats[idIndex.get(id)!].fluxFootprint[band] += model[k];
  }
}

/** flux_image_njy of band b: Σ_c flux_c,b × (fraction of component c inside the image). */
export function setImageFlux(galaxies: MockGalaxy[], stats: GalaxyTruthStats[], band: number): void {
  galaxies.forEach((g, gi) => {
    let f = 0;
    g.components.forEach((c, ci) => (f += c.pop.fluxNjy[band] * stats[gi].compInImage[ci]));
    stats[gi].fluxImage[band] = f;
  });
}
