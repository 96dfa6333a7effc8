import { fitsInfo } from '@pixsed/fits/node';

/** `pixsed fits info <file> [--hdu N] [--json]`: shape, units, statistics, WCS and corner coordinates. */
export async function fitsInfoCommand(file: string, opts: { hdu?: string; json?: boolean }): Promise<void> {
  const hdu = opts.hdu === undefined ? undefined : Number(opts.hdu);
  if (hdu !== undefined && !(Number.isInteger(hdu) && hdu >= 0)) throw new Error(`--hdu expects a non-negative integer, got '${opts.hdu}'`);
  const info = await fitsInfo(file, { hdu });
  if (opts.json) {
    process.stdout.write(JSON.stringify(info) + '\n');
    return;
  }
  const s = info.stats;
  const lines = [
    `${info.file} [HDU ${info.hdu}] BITPIX ${info.bitpix}, ${info.naxis.join(' × ')} px, BUNIT ${info.bunit ?? '(none)'}`,
    `stats (finite): min ${s.min}, max ${s.max}, mean ${s.mean}, std ${s.std}; non-finite ${s.nan}`,
  ];
  if (info.wcs) {
    lines.push(`WCS ${info.wcs.ctype.join(' ')}, CRVAL ${info.wcs.crval.join(', ')}, CRPIX ${info.wcs.crpix.join(', ')}, ${info.wcs.pixelScaleArcsec.toFixed(5)}"/px`);
    lines.push(`corners (deg): ${info.corners?.map(([a, d]) => `(${a.toFixed(7)}, ${d.toFixed(7)})`).join(' ')}`);
  } else lines.push('no celestial WCS');
  process.stdout.write(lines.join('\n') + '\n');
}
