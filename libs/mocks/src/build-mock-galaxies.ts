import type { PhotometryEngine } from '@pixsed/simulator';
import { componentPopulation, type ComponentPopulation } from './component-population.js';
import type { GalaxyComponent, GalaxySpec, MosaicConfig } from './mosaic-config.js';
import { sersicProfile, type Stamp } from './sersic-profile.js';

export interface MockComponent {
  spec: GalaxyComponent;
  /** Component centre [0-based px]. */
  xPx: number;
  yPx: number;
  pop: ComponentPopulation;
  /** Normalised light/mass weights (Σ = 1 over the stamp, which may extend past the image). */
  stamp: Stamp;
}

export interface MockGalaxy {
  id: number;
  z: number;
  xPx: number;
  yPx: number;
  raDeg: number;
  decDeg: number;
  spec: GalaxySpec;
  components: MockComponent[];
}

/** Pixel ↔ sky mapping the builder needs (a `Wcs` from @pixsed/fits satisfies it; 0-based pixels). */
export interface PixelSkyMapping {
  pixelToWorld(x: number, y: number): [number, number];
  worldToPixel(ra: number, dec: number): [number, number];
}

/**
 * Resolve galaxy centres (pixel or sky), compute each component's population (`componentPopulation`) and its
 * Sérsic weight stamp. Component offsets are (east, north) in arcsec: on the north-up, east-left grid
 * dx = −east / scale, dy = +north / scale.
 */
export function buildMockGalaxies(cfg: MosaicConfig, galaxies: GalaxySpec[], engine: PhotometryEngine, wcs: PixelSkyMapping): MockGalaxy[] {
  const scale = cfg.pixelScaleArcsec;
  return galaxies.map((g, i) => {
    const id = g.id ?? i + 1;
    let x: number;
    let y: number;
    if (g.xPx !== undefined && g.yPx !== undefined) [x, y] = [g.xPx, g.yPx];
    else [x, y] = wcs.worldToPixel(g.raDeg!, g.decDeg!);
    const [ra, dec] = wcs.pixelToWorld(x, y);
    const components = g.components.map((c, k) => {
      const cx = x - c.profile.offsetArcsec[0] / scale;
      const cy = y + c.profile.offsetArcsec[1] / scale;
      let pop: ComponentPopulation;
      try {
        pop = componentPopulation(engine, g.z, c);
      } catch (e) {
        throw new RangeError(`galaxy ${id} component ${k}: ${(e as Error).message}`);
      }
      const stamp = sersicProfile({
        sersicN: c.profile.sersicN,
        rePx: c.profile.reArcsec / scale,
        axisRatio: c.profile.axisRatio,
        paDeg: c.profile.paDeg,
        xPx: cx,
        yPx: cy,
        truncateAtRe: c.profile.truncateAtRe ?? cfg.profileTruncateAtRe,
        oversample: cfg.profileOversample,
      });
      return { spec: c, xPx: cx, yPx: cy, pop, stamp };
    });
    return { id, z: g.z, xPx: x, yPx: y, raDeg: ra, decDeg: dec, spec: { ...g, id }, components };
  });
}
