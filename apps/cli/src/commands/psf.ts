import { basename, dirname, resolve } from 'node:path';
import { ConfigError, PsfMatchingError } from '@pixsed/core';
import { OutputTransaction, realTarget } from '@pixsed/core/node';
import { createFitsStripWriter, openFitsImage, readFitsImage, writeFitsImage } from '@pixsed/fits/node';
import { createStripConvolver, efficientStripRows, formatWindowSpec, kernelQuality, parseWindowSpec, psfMatchingKernel } from '@pixsed/psf';
import { loadPsf } from '@pixsed/psf/node';

export interface PsfKernelOptions {
  source: string;
  target: string;
  sourceHdu?: string;
  targetHdu?: string;
  method: string;
  window: string;
  regularization: string;
  pixelScale?: string;
  sourceOversample?: string;
  targetOversample?: string;
  force?: boolean;
  out: string;
}

const optError = (path: string, message: string) => new ConfigError(undefined, [{ path, message }], 'option');

/**
 * `--method`: `fourier` (Fourier ratio with a window, photutils; the pipeline YAML's name) or `wiener` (pypher).
 * `window` is the deprecated CLI alias of `fourier`: accepted with a one-line notice on stderr.
 */
export function psfMethodOption(method: string, notice: (line: string) => void = (line) => process.stderr.write(line + '\n')): 'fourier' | 'wiener' {
  if (method === 'window') {
    notice("pixsed psf kernel: '--method window' is deprecated, use '--method fourier' (the same method, named as in the pipeline YAML)");
    return 'fourier';
  }
  if (method === 'fourier' || method === 'wiener') return method;
  throw optError('--method', `expected fourier or wiener (window: deprecated alias of fourier), got '${method}'`);
}

const int = (v: string | undefined, name: string, min = 0) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw optError(name, min === 0 ? `expected a non-negative integer, got '${v}'` : `expected an integer ≥ ${min}, got '${v}'`);
  return n;
};

/** A PSF/kernel error that names no file ("PSF sum must be positive", "kernel value 7 is not finite") gets the file(s) it is about. */
async function naming<T>(files: string, f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof PsfMatchingError && !err.message.includes(files)) throw new PsfMatchingError(`${files}: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * A one-file output transaction for `--out`: refuses an output that resolves to one of the inputs
 * (real paths, before anything is read or written), creates the folder without spinning (`/proc/x`
 * is an error naming it), and returns the temporary path to write plus the transaction to commit
 * (fsync + rename into place) or abort.
 */
function singleOutput(out: string, inputs: Record<string, string>): () => Promise<{ temp: string; tx: OutputTransaction }> {
  const file = resolve(out);
  const map = new Map(Object.entries(inputs).map(([what, p]) => [realTarget(resolve(p)), `${what} ${resolve(p)}`]));
  const input = map.get(realTarget(file));
  if (input) throw optError('--out', `${file} is the ${input}: choose another output file (the input would be destroyed)`);
  return async () => {
    const tx = await OutputTransaction.open(dirname(file), { inputs: map, exclusive: false });
    try {
      return { temp: tx.path(basename(file), '--out'), tx };
    } catch (err) {
      await tx.abort();
      throw err;
    }
  };
}

/** `pixsed psf kernel`: matching kernel source → target, written as FITS; quality metrics as JSON on stdout. */
export async function psfKernelCommand(o: PsfKernelOptions): Promise<void> {
  const method = psfMethodOption(o.method);
  const window = method === 'fourier' ? parseWindowSpec(o.window, '--window') : undefined;
  const openOutput = singleOutput(o.out, { 'source PSF': o.source, 'target PSF': o.target });
  const mu = Number(o.regularization);
  if (!(mu > 0)) throw optError('--regularization', `expected a positive number, got '${o.regularization}'`);
  const scale = o.pixelScale === undefined ? undefined : Number(o.pixelScale);
  if (scale !== undefined && !(scale > 0)) throw optError('--pixel-scale', `expected arcsec per pixel > 0, got '${o.pixelScale}'`);
  const load = (file: string, hdu: string | undefined, oversample: string | undefined, name: string) => {
    const f = oversample === undefined ? undefined : Number(oversample);
    if (f !== undefined && !(f > 0)) throw optError(`--${name}-oversample`, `expected a positive factor, got '${oversample}'`);
    return naming(resolve(file), () => loadPsf(resolve(file), { hdu: int(hdu, `--${name}-hdu`), oversample: f, targetPixelScaleArcsec: f === undefined ? scale : undefined }));
  };
  const source = await load(o.source, o.sourceHdu, o.sourceOversample, 'source');
  const target = await load(o.target, o.targetHdu, o.targetOversample, 'target');
  if (scale === undefined && source.headerPixelScaleArcsec && target.headerPixelScaleArcsec && Math.abs(source.headerPixelScaleArcsec / target.headerPixelScaleArcsec - 1) > 1e-3) {
    throw optError('--pixel-scale', `the PSFs have different pixel scales (${source.headerPixelScaleArcsec}″ and ${target.headerPixelScaleArcsec}″): give --pixel-scale to resample both`);
  }
  const kernel = await naming(`${resolve(o.source)} → ${resolve(o.target)}`, () => psfMatchingKernel(source, target, window ? { method: 'fourier', window, force: o.force } : { method: 'wiener', regularization: mu, force: o.force }));
  const q = kernelQuality(source, target, kernel, { pixelScaleArcsec: scale ?? source.headerPixelScaleArcsec });
  const out = resolve(o.out);
  const { temp, tx } = await openOutput();
  try {
    await writeFitsImage(temp, {
      width: kernel.width,
      height: kernel.height,
      data: Float32Array.from(kernel.data),
      header: { KMETHOD: method, KWINDOW: window ? formatWindowSpec(window) : '', KREG: method === 'wiener' ? mu : 0, SRCPSF: o.source.slice(-68), TGTPSF: o.target.slice(-68), MAXEEDEV: q.maxEeDeviation, NEGFRAC: q.negativeFraction },
    }).catch((err) => {
      throw tx.ioError(err, temp);
    });
    await tx.commit();
  } finally {
    await tx.abort();
  }
  process.stdout.write(
    JSON.stringify({ maxEeDeviation: q.maxEeDeviation, fwhmSource: q.fwhmSource, fwhmTarget: q.fwhmTarget, fwhmMatched: q.fwhmMatched, negativeFraction: q.negativeFraction, fwhmUnit: 'pixel', kernel: out }) + '\n',
  );
}

/** `pixsed psf convolve`: convolve an image with a kernel FITS by streaming strips (memory O(strip)). */
export async function psfConvolveCommand(image: string, kernelFile: string, o: { hdu?: string; out: string; stripRows?: string }): Promise<void> {
  const stripRows = int(o.stripRows, '--strip-rows', 1);
  const hdu = int(o.hdu, '--hdu');
  const openOutput = singleOutput(o.out, { 'input image': image, kernel: kernelFile });
  const k = await readFitsImage(resolve(kernelFile));
  const src = await openFitsImage(resolve(image), { hdu });
  const { temp, tx } = await openOutput().catch(async (err) => {
    await src.close();
    throw err;
  });
  const { width, height } = src;
  const rows = stripRows ?? efficientStripRows(k.height, 256);
  let out: Awaited<ReturnType<typeof createFitsStripWriter>> | undefined;
  const io = (err: unknown) => {
    throw tx.ioError(err, temp);
  };
  try {
    const conv = await naming(`kernel ${resolve(kernelFile)}`, () => createStripConvolver(k, width));
    const header = Object.fromEntries(Object.entries(src.header.toRecord()).filter(([key]) => !/^(SIMPLE|BITPIX|NAXIS\d*|EXTEND|XTENSION|PCOUNT|GCOUNT|END|BSCALE|BZERO|BLANK|COMMENT|HISTORY|)$/.test(key))) as Record<string, string | number | boolean>;
    out = await createFitsStripWriter(temp, width, height, { ...header, PSFCONV: kernelFile.slice(-68) }).catch(io);
    for (let c0 = 0; c0 < height; c0 += rows) {
      const c1 = Math.min(height, c0 + rows);
      const y0 = Math.max(0, c0 - conv.haloRowsTop);
      const y1 = Math.min(height, c1 + conv.haloRowsBottom);
      const strip = await src.readRows(y0, y1);
      await out.writeRows(conv.convolveStrip(strip, { haloTop: c0 - y0, haloBottom: y1 - c1 })).catch(io);
    }
    await out.close().catch(io);
    await tx.commit();
  } catch (e) {
    await out?.abort().catch(() => undefined);
    throw e;
  } finally {
    await tx.abort();
    await src.close();
  }
  process.stdout.write(`convolved ${width}×${height} px in strips of ${rows} rows → ${resolve(o.out)}\n`);
}
