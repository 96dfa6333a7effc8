import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ConfigError } from '@pixsed/core';
import { OutputTransaction } from '@pixsed/core/node';
import { calibratePpc, loadMocks, type FlagRate, type PpcCalibration } from '@pixsed/calibration/node';
import { DEFAULT_PPC_DRAWS, loadManifest, MAX_SAMPLES_PER_ROW } from '@pixsed/model/node';

export interface PpcCalibrateOptions {
  model: string;
  mocks: string;
  other?: string;
  draws?: string;
  rate: string;
  corruption: string;
  seed: string;
  maxRows: string;
  updateManifest?: boolean;
  json?: boolean;
}

const pct = (r: FlagRate) => `${(100 * r.rate).toFixed(2)} % of ${r.n} (S/N ${r.bySnr.map((b) => `${b.bin}: ${b.n ? `${(100 * b.rate).toFixed(1)} %` : '–'}`).join(', ')})`;

function describe(c: PpcCalibration): string {
  return [
    `PPC_POOR when ppc_pvalue < ${c.pValueThreshold.toExponential(3)} (the ${c.targetFalseFlagRate} quantile of ${c.nCalibration} held-out mocks' p-values, ${c.draws} draws per row)`,
    `false-flag rate on the other ${c.falseFlagRate.n} held-out mocks: ${pct(c.falseFlagRate)}`,
    `one band per row ×${c.corruptedFlagRate.corruptionFactor}: flagged ${pct(c.corruptedFlagRate)}`,
    ...c.other.map((o) => `other mocks ${o.mocks}: flagged ${pct(o)}`),
    `p-value quantiles: ${c.pValueQuantiles.map((q) => `${q.q}: ${q.p.toExponential(2)}`).join(', ')}`,
  ].join('\n');
}

/**
 * `pixsed ppc-calibrate`: choose a model's PPC_POOR threshold on held-out mocks of its own simulator
 * (`calibratePpc`) and report its false-flag rate, its rate on corrupted photometry and on other mocks. With
 * `--update-manifest` it writes `ppc.pValueThreshold`, `ppc.draws` and `ppc.calibration` into the model's
 * manifest (atomically); otherwise it only prints.
 */
export async function ppcCalibrateCommand(opts: PpcCalibrateOptions): Promise<void> {
  const draws = Number(opts.draws ?? DEFAULT_PPC_DRAWS);
  const rate = Number(opts.rate);
  const factor = Number(opts.corruption);
  const seed = Number(opts.seed);
  const maxRows = Number(opts.maxRows);
  const bad = [];
  if (!Number.isInteger(draws) || draws < 1 || draws > MAX_SAMPLES_PER_ROW) bad.push({ path: '--draws', message: `expected an integer from 1 to ${MAX_SAMPLES_PER_ROW}, got '${opts.draws}'` });
  if (!(rate > 0 && rate < 0.5)) bad.push({ path: '--rate', message: `expected a false-flag rate in (0, 0.5), got '${opts.rate}'` });
  if (!(factor > 0 && factor !== 1 && Number.isFinite(factor))) bad.push({ path: '--corruption', message: `expected a positive flux factor other than 1, got '${opts.corruption}'` });
  if (!Number.isInteger(seed)) bad.push({ path: '--seed', message: `expected an integer, got '${opts.seed}'` });
  if (!Number.isInteger(maxRows) || maxRows < 2) bad.push({ path: '--max-rows', message: `expected an integer ≥ 2, got '${opts.maxRows}'` });
  if (bad.length) throw new ConfigError(undefined, bad, 'option');
  const { manifestFile } = loadManifest(resolve(opts.model));
  const catalog = loadMocks(opts.mocks);
  const others = (opts.other ?? '').split(',').filter((s) => s.trim()).map((s) => loadMocks(s.trim()));
  const t0 = performance.now();
  const c = await calibratePpc({
    modelPath: resolve(opts.model),
    catalog,
    others,
    draws,
    targetFalseFlagRate: rate,
    corruptionFactor: factor,
    seed,
    maxRows,
    onProgress: (what) => process.stderr.write(`[pixsed] ppc-calibrate: ${what}\n`),
  });
  process.stdout.write(opts.json ? `${JSON.stringify(c, null, 1)}\n` : `${describe(c)}\n(${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  if (!opts.updateManifest) {
    process.stderr.write(`[pixsed] ${manifestFile} not changed (add --update-manifest to write the threshold into it)\n`);
    return;
  }
  const raw = JSON.parse(readFileSync(manifestFile, 'utf8')) as { ppc: Record<string, unknown> };
  raw.ppc = { ...raw.ppc, pValueThreshold: c.pValueThreshold, draws: c.draws, calibration: { ...c, date: new Date().toISOString().slice(0, 10) } };
  const tx = await OutputTransaction.open(dirname(manifestFile), { exclusive: false });
  try {
    writeFileSync(tx.path(basename(manifestFile), '--update-manifest'), `${JSON.stringify(raw, null, 1)}\n`);
    await tx.commit();
  } catch (e) {
    await tx.abort();
    throw e;
  }
  process.stderr.write(`[pixsed] wrote ppc.pValueThreshold ${c.pValueThreshold.toExponential(3)} into ${manifestFile}\n`);
}
