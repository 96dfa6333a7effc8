import { readFileSync, existsSync } from 'node:fs';
import { join, basename } from 'node:path';
import { DataFileError, type NpyArray } from '@pixsed/core';
import { dataPath, readNpy } from '@pixsed/core/node';
import type { NoiseTables } from '../noise-model.js';
import { bandNameFromFile } from './load-filter-curve.js';


/**
 * JADES noise statistics of SBIPIX (noise/jades): background_noise_hainline.npy (19,) 1σ depth per pixel in µJy
 * (SBIPIX compares it with fluxes in µJy; the values ≈ 1e-4 µJy = 0.1 nJy ≈ 33.7 AB), percentiles_jades_res_bins.npy
 * (4, 19) magnitude-bin edges, mean/std_sigma_jades_res_bins.npy (19, 6) σ_mag per bin. Band order = the 19 lines of
 * filters/jades-sbipix/filters_jades_no_wfc.dat.
 */
export function loadJadesNoiseTables(opts: { dir?: string; bandListPath?: string } = {}): NoiseTables {
  const dir = opts.dir ?? dataPath('noise', 'jades');
  const listPath = opts.bandListPath ?? dataPath('filters', 'jades-sbipix', 'filters_jades_no_wfc.dat');
  if (!existsSync(listPath)) throw new DataFileError(listPath, undefined, 'band list not found');
  const bands = readFileSync(listPath, 'latin1')
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.startsWith('#'))
    .map((s) => bandNameFromFile(basename(s)));
  const nB = bands.length;
  const depth = readNpy(join(dir, 'background_noise_hainline.npy'));
  const edges = readNpy(join(dir, 'percentiles_jades_res_bins.npy'));
  const mean = readNpy(join(dir, 'mean_sigma_jades_res_bins.npy'));
  const std = readNpy(join(dir, 'std_sigma_jades_res_bins.npy'));
  const check = (a: NpyArray, file: string, ok: boolean, want: string): void => {
    if (!ok) throw new DataFileError(join(dir, file), 'shape', `(${a.shape.join(', ')}), expected ${want}`);
  };
  check(depth, 'background_noise_hainline.npy', depth.shape.length === 1 && depth.shape[0] === nB, `(${nB},)`);
  check(edges, 'percentiles_jades_res_bins.npy', edges.shape.length === 2 && edges.shape[1] === nB, `(nEdges, ${nB})`);
  check(mean, 'mean_sigma_jades_res_bins.npy', mean.shape.length === 2 && mean.shape[0] === nB, `(${nB}, nBins)`);
  check(std, 'std_sigma_jades_res_bins.npy', std.shape.join(',') === mean.shape.join(','), `(${mean.shape.join(', ')})`);
  return {
    bands,
    depth1SigmaNjy: Float64Array.from(depth.data, (v) => v * 1000),
    magBinEdges: edges.data,
    nEdges: edges.shape[0],
    meanSigmaMag: mean.data,
    stdSigmaMag: std.data,
    nBinCols: mean.shape[1],
  };
}
