import type { MockGalaxy } from './build-mock-galaxies.js';

/** catalog.csv of a mock mosaic: `id,ra,dec,z` per galaxy (RA/Dec in degrees to 1e-8, z to 1e-4), newline-terminated. */
export function mockCatalogCsv(galaxies: MockGalaxy[]): string {
  const fmt = (v: number, d: number) => v.toFixed(d);
  return ['id,ra,dec,z', ...galaxies.map((g) => `${g.id},${fmt(g.raDeg, 8)},${fmt(g.decDeg, 8)},${fmt(g.z, 4)}`)].join('\n') + '\n';
}
