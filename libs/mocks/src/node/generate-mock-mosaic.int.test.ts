import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dataPath, hasData, missingDataMessage, repoRoot } from '@pixsed/core/node';
import { readFitsImage } from '@pixsed/fits/node';
import { sersicProfile } from '../sersic-profile.js';
import type { MosaicConfigInput } from '../mosaic-config.js';
import { generateMockMosaic } from './generate-mock-mosaic.js';
import { loadMosaicConfig } from './simulate-mosaic-command.js';

const need = ['ssp/maraston05/sed.krz002.rhb', 'nebular/cigale/lines_0.02.dat', 'noise/jades/background_noise_hainline.npy', 'filters/jades-sbipix/filters_jades_no_wfc.dat'];
const ok = hasData(...need);
const tmp = () => mkdtempSync(join(tmpdir(), 'pixsed-mocks-'));
const read = async (dir: string, f: string) => (await readFitsImage(join(dir, f))).data;
const bands = ['f090w', 'f277w', 'f356w', 'f444w'];

const single: MosaicConfigInput = {
  widthPx: 128,
  heightPx: 128,
  bands,
  seed: 7,
  writeNoiseless: true,
  galaxies: [
    {
      xPx: 64.2,
      yPx: 63.7,
      z: 1.1,
      components: [
        { kind: 'bulge', profile: { sersicN: 4, reArcsec: 0.1, axisRatio: 0.8, paDeg: 20 }, logMstar: 9.8, sfh: { tauGyr: 0.3, ageGyr: 4 }, metallicity: 0.1, avMag: 0.1 },
        { kind: 'disc', profile: { sersicN: 1, reArcsec: 0.2, axisRatio: 0.6, paDeg: 20 }, logMstar: 9.9, sfh: { tauGyr: 5, ageGyr: 3 }, metallicity: -0.3, avMag: 0.5 },
        { kind: 'clump', profile: { sersicN: 0.5, reArcsec: 0.06, offsetArcsec: [0.15, 0.1] }, logMstar: 8.8, sfh: { tauGyr: 1, ageGyr: 0.05 }, avMag: 2.5 },
      ],
    },
  ],
};

const pair: MosaicConfigInput = {
  widthPx: 96,
  heightPx: 80,
  bands,
  seed: 3,
  stripRows: 17,
  writeNoiseless: true,
  galaxies: [
    { id: 4, xPx: 40, yPx: 38, z: 0.8, components: [
      { kind: 'bulge', profile: { sersicN: 4, reArcsec: 0.12 }, logMstar: 10, sfh: { tauGyr: 0.3, ageGyr: 5 } },
      { kind: 'disc', profile: { sersicN: 1, reArcsec: 0.3, axisRatio: 0.5, paDeg: 70 }, logMstar: 9.8, sfh: { tauGyr: 5, ageGyr: 4 }, avMag: 0.5 },
    ] },
    { id: 9, raDeg: 53.16 - (25 * 0.03) / 3600 / Math.cos((27.78 * Math.PI) / 180), decDeg: -27.78 + (5 * 0.03) / 3600, z: 2.2, components: [
      { kind: 'disc', profile: { sersicN: 1, reArcsec: 0.2, offsetArcsec: [0.05, -0.05] }, logMstar: 9.5, sfh: { tauGyr: 3, ageGyr: 1.5 }, avMag: 0.8 },
      { kind: 'clump', profile: { sersicN: 0.5, reArcsec: 0.05, offsetArcsec: [-0.1, 0.1] }, logMstar: 8.7, sfh: { tauGyr: 1, ageGyr: 0.03 }, avMag: 2 },
    ] },
  ],
  randomGalaxies: { count: 2, marginPx: 10 },
};

describe.skipIf(!ok)(`generateMockMosaic${ok ? '' : ` — ${missingDataMessage(...need)}`}`, () => {
  it('is deterministic: same config and seed → identical files; another seed changes the noise', async () => {
    const [a, b, c] = [tmp(), tmp(), tmp()];
    const progress: string[] = [];
    const res = await generateMockMosaic(pair, a, { onProgress: (p) => progress.push(`${p.done}/${p.total}`) });
    await generateMockMosaic(pair, b);
    await generateMockMosaic({ ...pair, seed: 4, randomGalaxies: undefined }, c);
    expect(progress.at(-1)).toBe(`${2 + bands.length}/${2 + bands.length}`);
    expect(res.galaxies).toBe(4);
    const files = readdirSync(a).sort();
    expect(files).toEqual(readdirSync(b).sort());
    expect(files).toEqual(expect.arrayContaining(['catalog.csv', 'segmentation.fits', 'truth.json', 'survey.json', 'f444w_sci.fits', 'f444w_err.fits', 'f444w_model.fits', 'truth_log_mstar.fits', 'truth_log_sfr100.fits', 'truth_log_age_mw.fits', 'truth_metallicity.fits', 'truth_av.fits']));
    for (const f of files) expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);
    expect(readFileSync(join(a, 'f444w_sci.fits')).equals(readFileSync(join(c, 'f444w_sci.fits')))).toBe(false);
    const cat = readFileSync(join(a, 'catalog.csv'), 'utf8').trim().split('\n');
    expect(cat[0]).toBe('id,ra,dec,z');
    expect(cat.slice(1).map((l) => Number(l.split(',')[0]))).toEqual([4, 9, 10, 11]);
  });

  it('conserves flux through the PSF (galaxy far from the edges) and noise has (sci − model)/err ~ N(0, 1)', async () => {
    const dir = tmp();
    await generateMockMosaic(single, dir);
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
    const g = truth.galaxies[0];
    for (const b of bands) {
      const model = await read(dir, `${b}_model.fits`);
      let sum = 0;
      for (const v of model) sum += v;
      expect(g.flux_image_njy[b] / g.flux_total_njy[b]).toBeCloseTo(1, 9);
      expect(Math.abs(sum / g.flux_image_njy[b] - 1)).toBeLessThan(1e-3);
      const sci = await read(dir, `${b}_sci.fits`);
      const err = await read(dir, `${b}_err.fits`);
      let s1 = 0;
      let s2 = 0;
      for (let i = 0; i < sci.length; i++) {
        const r = (sci[i] - model[i]) / err[i];
        s1 += r;
        s2 += r * r;
      }
      const mean = s1 / sci.length;
      const std = Math.sqrt(s2 / sci.length - mean * mean);
      expect(Math.abs(mean)).toBeLessThan(0.03);
      expect(Math.abs(std - 1)).toBeLessThan(0.03);
      expect(err[0]).toBeCloseTo(truth.sigmaNjy[b], 5);
    }
  });

  it.skipIf(!hasData('psf/webbpsf-nircam-f200w/psf_jwst_oct21_ng4m0_f200w.fits'))('takes a PSF from a FITS file (WebbPSF F200W, 4× oversampled HDU 1) and still conserves flux', async () => {
    const dir = tmp();
    const psfDir = dataPath('psf', 'webbpsf-nircam-f200w');
    await generateMockMosaic({ ...single, bands: ['f200w', 'f444w'], segmentation: { band: 'f444w' }, psf: { f200w: { file: 'psf_jwst_oct21_ng4m0_f200w.fits', hdu: 1, oversample: 4 } } }, dir, { configDir: psfDir });
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
    expect(truth.psf.f200w.type).toBe('file');
    const model = await readFitsImage(join(dir, 'f200w_model.fits'));
    expect(model.header.get('PSFFILE')).toBe('psf_jwst_oct21_ng4m0_f200w.fits');
    let sum = 0;
    for (const v of model.data) sum += v;
    expect(Math.abs(sum / truth.galaxies[0].flux_image_njy.f200w - 1)).toBeLessThan(1e-3);
  });

  it('truth bookkeeping: Σ truth mass over a footprint = Σ_c M_c × profile fraction in the footprint (independent profiles)', async () => {
    const dir = tmp();
    await generateMockMosaic({ ...pair, randomGalaxies: undefined }, dir);
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
    const seg = await read(dir, 'segmentation.fits');
    const logm = await read(dir, 'truth_log_mstar.fits');
    const W = 96;
    const H = 80;
    // independent component weights from the config (pixel centres from truth.json for the sky-positioned galaxy)
    const comps = pair.galaxies!.flatMap((gs, gi) => {
      const gt = truth.galaxies[gi];
      return gs.components.map((c) => ({
        m: 10 ** c.logMstar,
        stamp: sersicProfile({
          sersicN: c.profile.sersicN ?? 1,
          rePx: c.profile.reArcsec / 0.03,
          axisRatio: c.profile.axisRatio ?? 1,
          paDeg: c.profile.paDeg ?? 0,
          xPx: gt.xPx - (c.profile.offsetArcsec?.[0] ?? 0) / 0.03,
          yPx: gt.yPx + (c.profile.offsetArcsec?.[1] ?? 0) / 0.03,
          truncateAtRe: 6,
          oversample: 5,
        }),
      }));
    });
    for (const gt of truth.galaxies) {
      let fromMap = 0;
      for (let i = 0; i < W * H; i++) if (seg[i] === gt.id) fromMap += 10 ** logm[i];
      let expected = 0;
      for (const { m, stamp } of comps) {
        for (let j = 0; j < stamp.height; j++) for (let i = 0; i < stamp.width; i++) {
          const x = stamp.x0 + i;
          const y = stamp.y0 + j;
          if (x >= 0 && x < W && y >= 0 && y < H && seg[y * W + x] === gt.id) expected += m * stamp.data[j * stamp.width + i];
        }
      }
      expect(gt.footprint_pixels).toBeGreaterThan(50);
      expect(Math.abs(fromMap / expected - 1)).toBeLessThan(1e-5);
      expect(Math.abs(10 ** gt.log_mstar_footprint / expected - 1)).toBeLessThan(1e-5);
      expect(gt.log_mstar_total).toBeCloseTo(Math.log10(pair.galaxies!.find((g) => g.id === gt.id)!.components.reduce((a, c) => a + 10 ** c.logMstar, 0)), 5);
    }
  });

  it('regenerates the committed demo mosaic (test-data/mosaic) bit for bit', async () => {
    const demo = resolve(repoRoot(), 'test-data', 'mosaic');
    const dir = tmp();
    await generateMockMosaic(loadMosaicConfig(join(demo, 'mosaic.yaml')), dir, { configDir: demo });
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f)).equals(readFileSync(join(demo, f))), f).toBe(true);
  });

  it.skipIf(!hasData('filters/jades-sbipix/HST_WFC3_IR.F160W.dat'))('survey hst: HST bands and curves, survey defaults (F160W detection and target), given depth and PSF; flux conserved', async () => {
    const dir = tmp();
    const res = await generateMockMosaic(
      { ...single, survey: 'hst', widthPx: 64, heightPx: 64, pixelScaleArcsec: 0.06, bands: ['f606w', 'f814w', 'f160w'], psf: { f160w: { fwhmArcsec: 0.18 } }, depthNjyPerBand: { f160w: 4 }, galaxies: [{ ...single.galaxies![0], xPx: 32, yPx: 31.5 }] },
      dir,
    );
    expect(res.bands).toEqual(['f606w', 'f814w', 'f160w']);
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
    expect(truth.sigmaNjy.f160w).toBe(4);
    expect(truth.psf.f160w).toEqual({ type: 'gaussian', fwhmArcsec: 0.18 });
    expect(truth.segmentation.band).toBe('f160w');
    const survey = JSON.parse(readFileSync(join(dir, 'survey.json'), 'utf8'));
    expect([survey.name, survey.targetPsfBand, survey.snrBands, survey.pixelScaleArcsec]).toEqual(['hst-mock', 'f160w', ['f160w'], 0.06]);
    expect(survey.bands.map((b: { name: string; instrument: string }) => `${b.name} ${b.instrument}`)).toEqual(['f606w ACS/WFC', 'f814w ACS/WFC', 'f160w WFC3/IR']);
    const seg = await readFitsImage(join(dir, 'segmentation.fits'));
    expect(seg.header.get('SEGBAND')).toBe('F160W');
    const model = await read(dir, 'f160w_model.fits');
    let sum = 0;
    for (const v of model) sum += v;
    expect(Math.abs(sum / truth.galaxies[0].flux_image_njy.f160w - 1)).toBeLessThan(1e-3);
    expect(truth.galaxies[0].flux_total_njy.f160w).toBeGreaterThan(truth.galaxies[0].flux_total_njy.f606w);
  });
});
