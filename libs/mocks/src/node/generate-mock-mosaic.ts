import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Wcs } from '@pixsed/fits';
import { loadPsf } from '@pixsed/psf/node';
import type { ImageLike } from '@pixsed/psf';
import { createPrng } from '@pixsed/simulator';
import { createEngineFromData, loadFilterSet, loadJadesNoiseTables } from '@pixsed/simulator/node';
import { jadesSurvey, type SurveyInput } from '@pixsed/surveys';
import { buildMockGalaxies, type MockGalaxy } from '../build-mock-galaxies.js';
import { DEFAULT_PSF_FWHM_ARCSEC, JADES_BANDS } from '../default-psf-fwhm.js';
import { addStampToStrip, galaxyBandStamp, stampOverlapsRows } from '../galaxy-band-stamp.js';
import { parseMosaicConfig, type MosaicConfig, type MosaicConfigInput } from '../mosaic-config.js';
import { pixelGaussianKernel } from '../pixel-gaussian-kernel.js';
import { randomGalaxies } from '../random-galaxies.js';
import type { Stamp } from '../sersic-profile.js';
import { accumulateTruthStrip, createTruthAccumulators, TRUTH_MAPS, truthMapsFromAccumulators } from '../truth-maps.js';
import { createFitsStripWriter, type FitsStripWriter } from '@pixsed/fits/node';

export interface MockMosaicProgress {
  /** 'setup', 'truth' (segmentation + truth maps) or 'band'. */
  step: 'setup' | 'truth' | 'band';
  band?: string;
  /** Steps finished / total (1 setup + 1 truth + one per band). */
  done: number;
  total: number;
}

export interface GenerateMockMosaicOptions {
  /** Folder that relative PSF file paths are resolved against (default: cwd). */
  configDir?: string;
  onProgress?: (p: MockMosaicProgress) => void;
}

export interface MockMosaicResult {
  outDir: string;
  files: string[];
  galaxies: number;
  bands: string[];
  /** Per-pixel 1σ noise [nJy] per band. */
  sigmaNjy: Record<string, number>;
  seconds: number;
}

/** File name of a band plane in a mock mosaic. */
export const mockPlaneFile = (band: string, plane: 'sci' | 'err' | 'model'): string => `${band}_${plane}.fits`;

const PIXSED_VERSION = '0.1.0';

/** Noise stream of a band: seeded by (seed, JADES band index), so a band's noise does not depend on the band subset. */
function bandSeed(seed: number, band: string): number {
  return (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(JADES_BANDS.indexOf(band) + 1, 0x85ebca6b)) | 0;
}

/**
 * Generate a mock JADES-like mosaic with known truth into `outDir` (see libs/mocks/README.md for the layout):
 * per-band `<band>_sci.fits` / `<band>_err.fits` [nJy/px, TAN WCS], `segmentation.fits`, `catalog.csv`,
 * `truth_<quantity>.fits`, `truth.json`, `survey.json`. Bands are written one after another, strip by strip
 * (`stripRows`), from per-galaxy PSF-convolved stamps: memory is O(width × stripRows + Σ stamp areas), never a
 * full plane, so 8192² mosaics work. Deterministic: same config (and seed) → identical bytes.
 */
export async function generateMockMosaic(config: MosaicConfigInput | MosaicConfig, outDir: string, opts: GenerateMockMosaicOptions = {}): Promise<MockMosaicResult> {
  const t0 = performance.now();
  const cfg = parseMosaicConfig(config);
  const { widthPx: W, heightPx: H, bands, stripRows } = cfg;
  const scale = cfg.pixelScaleArcsec;
  const totalSteps = 2 + bands.length;
  const progress = (step: MockMosaicProgress['step'], done: number, band?: string) => opts.onProgress?.({ step, band, done, total: totalSteps });
  mkdirSync(outDir, { recursive: true });

  // --- setup: WCS, engine, noise, galaxies, PSFs
  const s = scale / 3600;
  const wcs = new Wcs({ crval: [cfg.center.raDeg, cfg.center.decDeg], crpix: [(W + 1) / 2, (H + 1) / 2], cd: [[-s, 0], [0, s]], radesys: 'ICRS' });
  const allFilters = loadFilterSet('jades');
  const filters = bands.map((b) => {
    const f = allFilters.find((x) => x.name === b);
    if (!f) throw new RangeError(`no filter curve for band ${b}`);
    return f;
  });
  const explicit = cfg.galaxies;
  const zMax = Math.max(0.01, ...explicit.map((g) => g.z), cfg.randomGalaxies ? cfg.randomGalaxies.redshift[1] : 0);
  const engine = createEngineFromData(filters, { redshift: { min: 0, max: zMax }, nebular: { enabled: cfg.nebular } });
  const noise = loadJadesNoiseTables();
  const sigmaNjy: Record<string, number> = {};
  for (const b of bands) {
    const i = noise.bands.indexOf(b);
    if (i < 0) throw new RangeError(`band ${b} has no JADES noise statistics`);
    sigmaNjy[b] = noise.depth1SigmaNjy[i] * cfg.depthScale * (cfg.depthScalePerBand[b] ?? 1);
  }
  const maxId = explicit.reduce((m, g, i) => Math.max(m, g.id ?? i + 1), 0);
  const specs = [
    ...explicit.map((g, i) => ({ ...g, id: g.id ?? i + 1 })),
    ...(cfg.randomGalaxies ? randomGalaxies(cfg.randomGalaxies, cfg.seed, W, H, maxId + 1, (z) => engine.cosmology.ageGyr(z)) : []),
  ];
  const galaxies = buildMockGalaxies(cfg, specs, engine, wcs);
  const kernels = new Map<string, { kernel: ImageLike; desc: Record<string, unknown> }>();
  for (const b of bands) {
    const p = cfg.psf[b] ?? { fwhmArcsec: DEFAULT_PSF_FWHM_ARCSEC[b] };
    if ('fwhmArcsec' in p) {
      kernels.set(b, { kernel: pixelGaussianKernel(p.fwhmArcsec / scale), desc: { type: 'gaussian', fwhmArcsec: p.fwhmArcsec } });
    } else {
      const file = resolve(opts.configDir ?? process.cwd(), p.file);
      const psf = await loadPsf(file, { hdu: p.hdu, oversample: p.oversample, pixelScaleArcsec: p.pixelScaleArcsec, targetPixelScaleArcsec: p.oversample === undefined ? scale : undefined });
      kernels.set(b, { kernel: psf, desc: { type: 'file', file: p.file, hdu: p.hdu ?? null, size: psf.width } });
    }
  }
  const files: string[] = [];
  const baseHeader = (extra: Record<string, string | number>): Record<string, string | number> => ({
    ...wcs.toHeader(),
    ...extra,
    ORIGIN: 'pixsed mocks',
    PIXSEDV: PIXSED_VERSION,
    MOCKSEED: cfg.seed,
  });
  progress('setup', 1);

  // --- segmentation (from each galaxy's own noiseless, PSF-convolved flux in the detection band) + truth maps
  const detBand = cfg.segmentation.band;
  const detIndex = bands.indexOf(detBand);
  const detStamps = galaxies.map((g) => galaxyBandStamp(g, detIndex, kernels.get(detBand)!.kernel));
  const detThreshold = cfg.segmentation.thresholdSigma * sigmaNjy[detBand];
  const segStrip = (y0: number, y1: number, out: Int32Array, best: Float64Array): void => {
    out.fill(0);
    best.fill(0);
    galaxies.forEach((g, gi) => {
      const st = detStamps[gi];
      if (!stampOverlapsRows(st, y0, y1)) return;
      const ja = Math.max(0, y0 - st.y0);
      const jb = Math.min(st.height, y1 - st.y0);
      const ia = Math.max(0, -st.x0);
      const ib = Math.min(st.width, W - st.x0);
      for (let j = ja; j < jb; j++) {
        const row = (st.y0 + j - y0) * W + st.x0;
        for (let i = ia; i < ib; i++) {
          const v = st.data[j * st.width + i];
          const k = row + i;
          if (v > detThreshold && v > best[k]) {
            best[k] = v;
            out[k] = g.id;
          }
        }
      }
    });
  };
  const idIndex = new Map(galaxies.map((g, i) => [g.id, i]));
  const stats = galaxies.map((g) => ({
    footprintPixels: 0,
    footprintMassMsun: 0,
    footprintSfr: 0,
    compInImage: new Float64Array(g.components.length),
    compInFootprint: new Float64Array(g.components.length),
    fluxFootprint: new Float64Array(bands.length),
    fluxImage: new Float64Array(bands.length),
  }));
  {
    const seg = await createFitsStripWriter(join(outDir, 'segmentation.fits'), W, H, baseHeader({ BUNIT: '', SEGBAND: detBand.toUpperCase(), SEGTHR: cfg.segmentation.thresholdSigma, COMMENT: 'galaxy ids (0 = background); catalogue ids of catalog.csv' }));
    const writers: FitsStripWriter[] = [seg];
    try {
      const truthWriters = new Map<string, FitsStripWriter>();
      for (const t of TRUTH_MAPS) {
        const w = await createFitsStripWriter(join(outDir, `truth_${t.name}.fits`), W, H, baseHeader({ BUNIT: t.unit, TRUTHQ: t.name, COMMENT: t.description }));
        truthWriters.set(t.name, w);
        writers.push(w);
      }
      const segRows = new Int32Array(W * stripRows);
      const best = new Float64Array(W * stripRows);
      const acc = createTruthAccumulators(W * stripRows);
      for (let y0 = 0; y0 < H; y0 += stripRows) {
        const y1 = Math.min(H, y0 + stripRows);
        const n = (y1 - y0) * W;
        const segV = segRows.subarray(0, n);
        segStrip(y0, y1, segV, best.subarray(0, n));
        const a = createTruthAccumulators(0);
        for (const k of Object.keys(acc) as (keyof typeof acc)[]) a[k] = acc[k].subarray(0, n);
        accumulateTruthStrip(galaxies, y0, y1, W, a);
        for (let k = 0; k < n; k++) {
          const id = segV[k];
          if (id === 0) continue;
          const st = stats[idIndex.get(id)!];
          st.footprintPixels++;
          st.footprintMassMsun += a.massMsun[k];
          st.footprintSfr += a.sfrMsunPerYr[k];
        }
        galaxies.forEach((g, gi) => {
          g.components.forEach((c, ci) => {
            const sp = c.stamp;
            if (!stampOverlapsRows(sp, y0, y1)) return;
            const ja = Math.max(0, y0 - sp.y0);
            const jb = Math.min(sp.height, y1 - sp.y0);
            const ia = Math.max(0, -sp.x0);
            const ib = Math.min(sp.width, W - sp.x0);
            let inImg = 0;
            let inFp = 0;
            for (let j = ja; j < jb; j++) {
              const row = (sp.y0 + j - y0) * W + sp.x0;
              for (let i = ia; i < ib; i++) {
                const w = sp.data[j * sp.width + i];
                inImg += w;
                if (segV[row + i] === g.id) inFp += w;
              }
            }
            stats[gi].compInImage[ci] += inImg;
            stats[gi].compInFootprint[ci] += inFp;
          });
        });
        await seg.writeRows(Float32Array.from(segV));
        const maps = truthMapsFromAccumulators(a);
        for (const t of TRUTH_MAPS) await truthWriters.get(t.name)!.writeRows(maps[t.name]);
      }
      for (const w of writers) await w.close();
    } catch (e) {
      for (const w of writers) await w.abort();
      throw e;
    }
    files.push('segmentation.fits', ...TRUTH_MAPS.map((t) => `truth_${t.name}.fits`));
  }
  progress('truth', 2);

  // --- bands: noiseless model (Σ PSF-convolved galaxy stamps) + Gaussian noise, strip by strip
  const segRows = new Int32Array(W * stripRows);
  const best = new Float64Array(W * stripRows);
  for (let bi = 0; bi < bands.length; bi++) {
    const b = bands[bi];
    const { kernel, desc } = kernels.get(b)!;
    const stamps: Stamp[] = bi === detIndex ? detStamps : galaxies.map((g) => galaxyBandStamp(g, bi, kernel));
    const sigma = sigmaNjy[b];
    const prng = createPrng(bandSeed(cfg.seed, b));
    const hdr = (plane: string, unitNote: string) =>
      baseHeader({
        BUNIT: 'nJy',
        FILTER: b.toUpperCase(),
        EXTNAME: plane,
        PSFTYPE: String(desc.type),
        ...(desc.type === 'gaussian' ? { PSFFWHM: desc.fwhmArcsec as number } : { PSFFILE: String(desc.file) }),
        NOISE1S: sigma,
        COMMENT: unitNote,
      });
    const sci = await createFitsStripWriter(join(outDir, mockPlaneFile(b, 'sci')), W, H, hdr('SCI', 'flux density per pixel [nJy]; model + N(0, NOISE1S)'));
    const err = await createFitsStripWriter(join(outDir, mockPlaneFile(b, 'err')), W, H, hdr('ERR', '1-sigma error per pixel [nJy]'));
    const writers = [sci, err];
    let model: FitsStripWriter | undefined;
    if (cfg.writeNoiseless) {
      model = await createFitsStripWriter(join(outDir, mockPlaneFile(b, 'model')), W, H, hdr('MODEL', 'noiseless PSF-convolved model [nJy]'));
      writers.push(model);
    }
    try {
      const acc = new Float64Array(W * stripRows);
      const errRow = new Float32Array(W * stripRows).fill(cfg.noise ? sigma : 0);
      for (let y0 = 0; y0 < H; y0 += stripRows) {
        const y1 = Math.min(H, y0 + stripRows);
        const n = (y1 - y0) * W;
        const m = acc.subarray(0, n);
        m.fill(0);
        for (const st of stamps) if (stampOverlapsRows(st, y0, y1)) addStampToStrip(st, 1, y0, y1, W, m);
        const segV = segRows.subarray(0, n);
        segStrip(y0, y1, segV, best.subarray(0, n));
        for (let k = 0; k < n; k++) {
          const id = segV[k];
          if (id !== 0) stats[idIndex.get(id)!].fluxFootprint[bi] += m[k];
        }
        const out = new Float32Array(n);
        if (cfg.noise) for (let k = 0; k < n; k++) out[k] = m[k] + sigma * prng.normal();
        else for (let k = 0; k < n; k++) out[k] = m[k];
        await sci.writeRows(out);
        await err.writeRows(errRow.subarray(0, n));
        if (model) await model.writeRows(Float32Array.from(m));
      }
      for (const w of writers) await w.close();
    } catch (e) {
      for (const w of writers) await w.abort();
      throw e;
    }
    galaxies.forEach((g, gi) => {
      let f = 0;
      g.components.forEach((c, ci) => (f += c.pop.fluxNjy[bi] * stats[gi].compInImage[ci]));
      stats[gi].fluxImage[bi] = f;
    });
    files.push(mockPlaneFile(b, 'sci'), mockPlaneFile(b, 'err'), ...(model ? [mockPlaneFile(b, 'model')] : []));
    progress('band', 3 + bi, b);
  }

  // --- catalogue, truth.json, survey.json
  const fmt = (v: number, d: number) => v.toFixed(d);
  writeFileSync(join(outDir, 'catalog.csv'), ['id,ra,dec,z', ...galaxies.map((g) => `${g.id},${fmt(g.raDeg, 8)},${fmt(g.decDeg, 8)},${fmt(g.z, 4)}`)].join('\n') + '\n');
  writeFileSync(join(outDir, 'truth.json'), JSON.stringify(truthJson(cfg, galaxies, stats, bands, sigmaNjy, kernels), null, 1) + '\n');
  writeFileSync(join(outDir, 'survey.json'), JSON.stringify(mockSurvey(bands, kernels), null, 1) + '\n');
  files.push('catalog.csv', 'truth.json', 'survey.json');
  return { outDir, files, galaxies: galaxies.length, bands, sigmaNjy, seconds: (performance.now() - t0) / 1000 };
}

/** An inline survey for @pixsed/ingest reading a mock mosaic: JADES bands, `{band}_sci.fits` / `{band}_err.fits`, nJy. */
export function mockSurvey(bands: string[], psfs?: Map<string, { desc: Record<string, unknown> }>): SurveyInput {
  const snr = ['f277w', 'f356w', 'f444w'].filter((b) => bands.includes(b));
  // the PSF each band was convolved with, so the PSF stage can match them (psfFwhmArcsec or psfFile)
  const psfOf = (band: string) => {
    const d = psfs?.get(band)?.desc;
    if (d?.type === 'gaussian') return { psfFwhmArcsec: d.fwhmArcsec as number };
    if (d?.type === 'file') return { psfFile: d.file as string, ...(typeof d.hdu === 'number' ? { psfHdu: d.hdu } : {}) };
    return {};
  };
  return {
    ...jadesSurvey,
    name: 'jades-mock',
    description: 'pixsed mock JADES-like mosaic (libs/mocks): one FITS per band and plane, nJy per pixel',
    bands: jadesSurvey.bands.filter((b) => bands.includes(b.name)).map((b) => ({ ...b, ...psfOf(b.name) })),
    targetPsfBand: bands.includes('f444w') ? 'f444w' : bands[bands.length - 1],
    snrBands: snr.length ? snr : [bands[bands.length - 1]],
    files: { sci: { pattern: '{band}_sci.fits' }, err: { pattern: '{band}_err.fits' }, errorKind: 'ERR' },
    fluxUnit: 'nJy',
  };
}

const r6 = (v: number) => Number(v.toPrecision(7));
const log = (v: number) => (v > 0 ? r6(Math.log10(v)) : null);

function truthJson(
  cfg: MosaicConfig,
  galaxies: MockGalaxy[],
  stats: Array<{ footprintPixels: number; footprintMassMsun: number; footprintSfr: number; compInImage: Float64Array; compInFootprint: Float64Array; fluxFootprint: Float64Array; fluxImage: Float64Array }>,
  bands: string[],
  sigmaNjy: Record<string, number>,
  kernels: Map<string, { desc: Record<string, unknown> }>,
) {
  const perBand = (a: ArrayLike<number>) => Object.fromEntries(bands.map((b, i) => [b, r6(a[i])]));
  return {
    generator: `pixsed mocks ${PIXSED_VERSION}`,
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
    galaxies: galaxies.map((g, gi) => {
      const st = stats[gi];
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
    }),
  };
}
