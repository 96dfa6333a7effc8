import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { RecordBatch } from 'apache-arrow';
import { batchFromColumns, defineSink, SchemaError, STREAM_INFO_KEY, tileMaps, type InitContext, type TileMaps } from '@pixsed/core';
import { createParquetWriter, type ParquetFileWriter } from '@pixsed/parquet/node';
import { provenanceCards, writeGalaxyMaps, type GalaxyMapsInput } from './galaxy-outputs.js';
import { quicklookSpec, writeFigurePng } from './galaxy-figures.js';

export const tileMapsSinkSchema = z.strictObject({
  mapsDir: z.string().min(1).default('maps-cnn').describe('folder (under --out) for the per-galaxy FITS maps of the image model (tile-model stage)'),
  quicklooksDir: z.string().default('quicklooks-cnn').describe('folder for per-galaxy PNG quicklooks of the image model\'s log M* and log SFR mean maps, beside the per-pixel quicklooks ("" = none)'),
  pixelTable: z.string().default('pixels-cnn.parquet').describe('Parquet table (under --out) of every segment pixel with the image model\'s columns <param>_cnn_mean, <param>_cnn_std ("" = none); join with pixels.parquet on (x, y)'),
});
export type TileMapsSinkConfig = z.infer<typeof tileMapsSinkSchema>;

/**
 * A tile-model galaxy as a GalaxyResult of the per-pixel maps, so that `writeGalaxyMaps` writes it in the same format:
 * for the Gaussian head p50 = mean, p16/p84 = mean ∓ σ, std = σ; MASK = the segment (flags of its pixels).
 */
export function tileMapsResult(g: TileMaps, parameters: { name: string }[]): GalaxyMapsInput {
  const n = g.flags.length;
  const maps: Record<string, Float32Array> = {};
  parameters.forEach((p, k) => {
    const mu = g.mean[k];
    const s = g.sigma[k];
    const lo = new Float32Array(n);
    const hi = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      lo[i] = mu[i] - s[i];
      hi[i] = mu[i] + s[i];
    }
    Object.assign(maps, { [`${p.name}_p50`]: mu, [`${p.name}_p16`]: lo, [`${p.name}_p84`]: hi, [`${p.name}_std`]: s });
  });
  const mask = new Uint8Array(n);
  let nPixels = 0;
  for (let i = 0; i < n; i++) {
    if (g.flags[i] < 0) continue;
    mask[i] = 1;
    nPixels++;
  }
  return { id: g.box.id, z: g.z, box: g.box, nPixels, maps, mask, flags: Int32Array.from(g.flags, (f) => Math.max(f, 0)) };
}

/**
 * The tile-maps sink: writes the image-model maps the tile-model stage sends with the batch that completes each
 * galaxy (`tileMaps`) as `<mapsDir>/galaxy_<id>.fits` through `writeGalaxyMaps` (the per-pixel maps' format: one
 * extension per parameter × p50/p16/p84/std, MASK, WCS cropped to the box, provenance cards naming the image model),
 * and every segment pixel as a row of `pixelTable`.
 */
export async function openTileMapsSink(config: TileMapsSinkConfig, init: Pick<InitContext, 'output' | 'log' | 'stream' | 'run'>) {
  const { stream } = init;
  const tm = stream.tileModel;
  if (!tm) throw new SchemaError(`tile-maps: the stream has no tile-model stage before this sink (StreamInfo.tileModel): nothing to write`);
  const wcs: Record<string, number | string> = Object.fromEntries(Object.entries(stream.wcs ?? {}).filter((e): e is [string, number | string] => typeof e[1] !== 'boolean'));
  // provenance: the run's cards with the image model in MODEL/MODELVER/MODELSHA (not the per-pixel posterior's)
  const { MODELSPS: _sps, NSAMPPIX: _ns, ...runCards } = provenanceCards(stream, init.run, undefined);
  void _sps;
  void _ns;
  const cards = { ...runCards, MODEL: tm.model.name, MODELVER: tm.model.version, MODELSHA: tm.model.sha256, MODELHD: tm.model.head };
  const mapsDir = init.output.path(config.mapsDir, 'tile-maps.mapsDir', 'folder');
  const ioError = (file: string) => (err: unknown) => {
    throw init.output.ioError(err, file);
  };
  await mkdir(mapsDir, { recursive: true }).catch(ioError(mapsDir));
  const qlDir = config.quicklooksDir ? init.output.path(config.quicklooksDir, 'tile-maps.quicklooksDir', 'folder') : undefined;
  if (qlDir) await mkdir(qlDir, { recursive: true }).catch(ioError(qlDir));
  // the quicklook's units: the image model's parameters (no colour composite: the sink holds no fluxes)
  const figures = { stream: { ...stream, mask: undefined, inference: { parameters: tm.parameters, model: { ...tm.model, sps: '' } } }, wcs, rgb: [] };
  const tableFile = config.pixelTable ? init.output.path(config.pixelTable, 'tile-maps.pixelTable') : undefined;
  let table: ParquetFileWriter | undefined;
  let galaxies = 0;
  const streamMeta = JSON.stringify({ ...stream, columns: undefined });

  const writeRows = async (g: TileMaps) => {
    const n = g.flags.length;
    const w = g.box.x1 - g.box.x0 + 1;
    const idx: number[] = [];
    for (let i = 0; i < n; i++) if (g.flags[i] >= 0) idx.push(i);
    const cols: Record<string, Int32Array | Uint32Array | Float32Array> = {
      x: Int32Array.from(idx, (i) => g.box.x0 + (i % w)),
      y: Int32Array.from(idx, (i) => g.box.y0 + Math.floor(i / w)),
      galaxy_id: new Int32Array(idx.length).fill(g.box.id),
      z: new Float32Array(idx.length).fill(g.z),
      flags: Uint32Array.from(idx, (i) => g.flags[i] >>> 0),
    };
    const fieldMeta: Record<string, Record<string, string>> = { x: { unit: 'px' }, y: { unit: 'px' }, flags: { unit: 'bitmask' } };
    tm.parameters.forEach((p, k) => {
      cols[`${p.name}_cnn_mean`] = Float32Array.from(idx, (i) => g.mean[k][i]);
      cols[`${p.name}_cnn_std`] = Float32Array.from(idx, (i) => g.sigma[k][i]);
      fieldMeta[`${p.name}_cnn_mean`] = { unit: p.unit, statistic: 'mean', parameter: p.name, model: `${tm.model.name}@${tm.model.version}` };
      fieldMeta[`${p.name}_cnn_std`] = { unit: p.unit, statistic: 'std', parameter: p.name, model: `${tm.model.name}@${tm.model.version}` };
    });
    if (!table) table = await createParquetWriter(tableFile!, { metadata: { [STREAM_INFO_KEY]: streamMeta, 'pixsed.file': JSON.stringify({ description: 'pixsed image-model pixel table: every segment pixel with the tile-model stage\'s Gaussian mean and σ per parameter', model: tm.model, parameters: tm.parameters }) } }).catch(ioError(tableFile!));
    await table.write(batchFromColumns(cols, new Map(), fieldMeta)).catch(ioError(tableFile!));
  };

  return {
    async write(batch: RecordBatch) {
      for (const g of tileMaps(batch)) {
        const file = join(mapsDir, `galaxy_${g.box.id}.fits`);
        const r = tileMapsResult(g, tm.parameters);
        await writeGalaxyMaps(r, tm.parameters, wcs, cards, stream.flags, mapsDir).catch(ioError(file));
        if (qlDir) {
          const png = join(qlDir, `galaxy_${g.box.id}.png`);
          await writeFigurePng(png, quicklookSpec(r, figures, `image model mean (${tm.model.name} v${tm.model.version})`)).catch(ioError(png));
        }
        if (tableFile) await writeRows(g);
        galaxies++;
      }
    },
    async close() {
      if (table) await table.close().catch(ioError(tableFile!));
      init.log(`tile-maps: ${galaxies} galaxies (${tm.model.name} v${tm.model.version})`);
      return [mapsDir, ...(qlDir ? [qlDir] : []), ...(table ? [tableFile!] : [])];
    },
    async abort() {
      await table?.abort();
    },
  };
}

export const tileMapsSink = defineSink({
  name: 'tile-maps',
  version: '0.1.0',
  description: 'per-galaxy FITS maps (maps-cnn/) and a pixel table of the image model run by the tile-model stage',
  configSchema: tileMapsSinkSchema,
  create: (config, init) => openTileMapsSink(config, init),
});
