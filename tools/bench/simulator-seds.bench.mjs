// Benchmark of @pixsed/simulator: SEDs (19-band JADES photometry of composite populations) per second.
// Build first: npx tsc -b libs/simulator ; then: node tools/bench/simulator-seds.bench.mjs
// Prints one JSON line per figure: {"name","value","unit"}.
// Before/after in one run: BENCH_BASELINE=<dir> points at another build of the lib (a copy of an older
// libs/simulator/dist, kept somewhere under libs/simulator so that '@pixsed/core' resolves, e.g. libs/simulator/dist/baseline).
// The baseline is then timed in the same process, interleaved with the current build, and the largest |Δmag| of the
// noiseless fluxes between the two is printed.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { createEngineFromData, loadJadesNoiseTables, parseSimulatorConfig } from '@pixsed/simulator/node';
import { generateCatalog } from '@pixsed/simulator';

const N = Number(process.env.BENCH_N ?? 50000);
const emit = (name, value, unit) => console.log(JSON.stringify({ name, value: Number(value.toPrecision(4)), unit }));
const baseDir = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : undefined;

const cur = { node: await import('@pixsed/simulator/node'), lib: { generateCatalog }, tag: '' };
const impls = [cur];
if (baseDir) {
  impls.unshift({
    node: await import(pathToFileURL(resolve(baseDir, 'node/index.js')).href),
    lib: await import(pathToFileURL(resolve(baseDir, 'index.js')).href),
    tag: 'baseline.',
  });
}

const config = parseSimulatorConfig({});
const noise = loadJadesNoiseTables();
const setup = impls.map((im) => {
  const t0 = performance.now();
  const engine = im.node.createEngineFromData('jades', config);
  emit(`${im.tag}simulator.engine_setup`, performance.now() - t0, 'ms');
  return engine;
});

const rate = (fn, n) => {
  const t0 = performance.now();
  const r = fn();
  return [(n / (performance.now() - t0)) * 1000, r];
};

// cold: first pass also builds the per-redshift band operators lazily
const cats = impls.map((im, k) => {
  const [v, cat] = rate(() => im.lib.generateCatalog({ engine: setup[k], config, n: N, seed: 1, noise }), N);
  emit(`${im.tag}simulator.seds_per_s_cold_1thread`, v, 'SED/s');
  return cat;
});

// warm: operators cached (the steady state of a long training-set run)
for (const [k, im] of impls.entries()) {
  emit(`${im.tag}simulator.seds_per_s_warm_1thread`, rate(() => im.lib.generateCatalog({ engine: setup[k], config, n: N, seed: 2, noise }), N)[0], 'SED/s');
}

// nonparametric SFH (continuity prior), warm
const cfgNp = parseSimulatorConfig({ sfh: { type: 'nonparametric-continuity' } });
for (const [k, im] of impls.entries()) {
  emit(
    `${im.tag}simulator.seds_per_s_warm_1thread_continuity`,
    rate(() => im.lib.generateCatalog({ engine: setup[k], config: cfgNp, n: N, seed: 3, noise }), N)[0],
    'SED/s',
  );
}

// per SSP library (issue #21: BC03-MILES must not be slower than Maraston 2005), warm, 1 thread, same draws
{
  const perLib = {};
  for (const library of ['maraston05', 'bc03-miles']) {
    const cfg = parseSimulatorConfig({ ssp: { library } });
    const engine = cur.node.createEngineFromData('jades', cfg);
    cur.lib.generateCatalog({ engine, config: cfg, n: Math.min(N, 2000), seed: 5, noise }); // warm the band operators
    perLib[library] = rate(() => cur.lib.generateCatalog({ engine, config: cfg, n: N, seed: 6, noise }), N)[0];
    emit(`simulator.seds_per_s_warm_1thread_${library}`, perLib[library], 'SED/s');
  }
  emit('simulator.bc03_over_maraston05_seds_ratio', perLib['bc03-miles'] / perLib.maraston05, 'x');
}

// 2 worker threads, end to end (includes per-worker setup and cold operators): the "2 cores" figure
for (const im of impls) {
  for (const threads of [2]) {
    const t0 = performance.now();
    await im.node.simulateCatalogParallel({ n: N * 2, seed: 4, threads });
    emit(`${im.tag}simulator.seds_per_s_${threads}threads_end_to_end`, ((N * 2) / (performance.now() - t0)) * 1000, 'SED/s');
  }
}

if (baseDir) {
  // accuracy of the current build against the baseline: noiseless fluxes of the same draws (seed 1)
  const [a, b] = cats;
  let worst = 0;
  for (const band of a.bands) {
    const x = a.columns[`flux_${band}_true_njy`];
    const y = b.columns[`flux_${band}_true_njy`];
    for (let r = 0; r < a.n; r++) if (x[r] > 0 && y[r] > 0) worst = Math.max(worst, Math.abs(2.5 * Math.log10(y[r] / x[r])));
  }
  emit('simulator.max_abs_dmag_vs_baseline', worst, 'mag');
}
