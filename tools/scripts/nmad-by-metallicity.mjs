#!/usr/bin/env node
// log M* bias / NMAD / 68 % coverage of models on held-out BC03-MILES mocks from a model's prior, at S/N ≥ 10, for all
// mocks and split at [Z/H] = −1.35 (Maraston-05's lowest metallicity): does the extended metallicity range cost the
// BC03 NMAD? (issue 21, the NMAD ≤ 0.10 goal). Needs the built libs (npm run build) and PIXSED_DATA_DIR.
//   node tools/scripts/nmad-by-metallicity.mjs [n = 12000] [prior model = jades-mix-delayed-tau] [models = jades-bc03-delayed-tau,jades-mix-delayed-tau]
// (a model: a name under test-data/models, or a folder holding model.onnx + manifest.json, e.g. an earlier version from git)
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const { simulateCatalog } = await import(join(root, 'libs/simulator/dist/node/index.js'));
const { validateModel, DEFAULT_SNR_SELECTION } = await import(join(root, 'libs/calibration/dist/node/index.js'));
const n = Number(process.argv[2] ?? 12000);
const prior = process.argv[3] ?? 'jades-mix-delayed-tau';
const models = (process.argv[4] ?? 'jades-bc03-delayed-tau,jades-mix-delayed-tau').split(',');
const dirOf = (m) => (existsSync(join(resolve(m), 'manifest.json')) ? resolve(m) : join(root, 'test-data/models', m));
const man = JSON.parse(readFileSync(join(dirOf(prior), 'manifest.json'), 'utf8'));
const cat = simulateCatalog({ survey: man.survey, n, seed: 1, config: { ...man.provenance.simulatorConfig, ssp: { library: 'bc03-miles' } } });
const subset = (keep) => {
  const idx = [];
  for (let i = 0; i < cat.n; i++) if (keep(i)) idx.push(i);
  return { ...cat, n: idx.length, columns: Object.fromEntries(Object.entries(cat.columns).map(([k, v]) => [k, Float64Array.from(idx, (i) => v[i])])) };
};
const Z = cat.columns.metallicity;
const sets = { all: () => true, 'Z>=-1.35': (i) => Z[i] >= -1.35, 'Z<-1.35': (i) => Z[i] < -1.35 };
console.log(`BC03-MILES mocks from ${prior}'s prior, n ${n}, seed 1; S/N >= 10 over ${DEFAULT_SNR_SELECTION.snrBands.join(', ')}; 500 samples`);
for (const model of models) {
  for (const [name, keep] of Object.entries(sets)) {
    const { report } = await validateModel({ modelPath: join(dirOf(model), 'model.onnx'), catalog: subset(keep), samples: 500, seed: 0, threads: 2, selection: { snrBands: DEFAULT_SNR_SELECTION.snrBands, minMeanSnr: 10 } });
    const m = report.parameters.find((p) => p.name === 'log_mstar');
    console.log(`${model} ${name}: n ${report.selection.nKept}, log M* bias ${m.bias.toFixed(3)}, NMAD ${m.scatterNmad.toFixed(3)}, cov68 ${m.coverage68.toFixed(3)}`);
  }
}
