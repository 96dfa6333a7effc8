// Benchmark of @pixsed/simulator: SEDs (19-band JADES photometry of composite populations) per second.
// Build first: npx tsc -b libs/simulator ; then: node tools/bench/simulator-seds.bench.mjs
// Prints one JSON line per figure: {"name","value","unit"}.
// Before/after in one run: BENCH_BASELINE=<dir> points at another build of the lib (a copy of an older
// libs/simulator/dist, kept somewhere under libs/simulator so that '@pixsed/core' resolves, e.g. libs/simulator/dist/baseline).
// The baseline is then timed in the same process, interleaved with the current build, and the largest |Δmag| of the
// noiseless fluxes between the two is printed. BENCH_ONLY=per-library times only the per-SSP-library figures.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { loadJadesNoiseTables, parseSimulatorConfig } from '@pixsed/simulator/node';
import { generateCatalog } from '@pixsed/simulator';

const N = Number(process.env.BENCH_N ?? 50000);
// BENCH_ONLY=per-library: only the per-SSP-library figures (issue #21 item 4)
const only = process.env.BENCH_ONLY;
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
for (const [k, im] of only ? [] : impls.entries()) {
  const v = rate(() => im.lib.generateCatalog({ engine: setup[k], config, n: N, seed: 1, noise }), N)[0];
  emit(`${im.tag}simulator.seds_per_s_cold_1thread`, v, 'SED/s');
}

// warm: operators cached (the steady state of a long training-set run)
for (const [k, im] of only ? [] : impls.entries()) {
  emit(`${im.tag}simulator.seds_per_s_warm_1thread`, rate(() => im.lib.generateCatalog({ engine: setup[k], config, n: N, seed: 2, noise }), N)[0], 'SED/s');
}

// nonparametric SFH (continuity prior), warm
const cfgNp = parseSimulatorConfig({ sfh: { type: 'nonparametric-continuity' } });
for (const [k, im] of only ? [] : impls.entries()) {
  emit(
    `${im.tag}simulator.seds_per_s_warm_1thread_continuity`,
    rate(() => im.lib.generateCatalog({ engine: setup[k], config: cfgNp, n: N, seed: 3, noise }), N)[0],
    'SED/s',
  );
}

// per SSP library (issue #21: BC03-MILES must not be slower than Maraston 2005), warm, 1 thread, same draws; with a
// baseline the builds alternate per round (the machine is shared: interleaving spreads its load over both) and the best
// of the rounds is reported; ratios are to Maraston (2005) of the same build and, with a baseline, of the baseline
{
  const libs = ['maraston05', 'bc03-miles'];
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  const best = impls.map(() => ({}));
  const engines = impls.map((im) =>
    Object.fromEntries(
      libs.map((library) => {
        const cfg = parseSimulatorConfig({ ssp: { library } });
        const t0 = performance.now();
        const engine = im.node.createEngineFromData('jades', cfg);
        emit(`${im.tag}simulator.engine_setup_${library}`, performance.now() - t0, 'ms');
        im.lib.generateCatalog({ engine, config: cfg, n: Math.min(N, 2000), seed: 5, noise }); // warm the band operators
        return [library, { engine, cfg }];
      }),
    ),
  );
  for (let round = 0; round < rounds; round++) {
    for (const library of libs) {
      for (const [k, im] of impls.entries()) {
        const { engine, cfg } = engines[k][library];
        const v = rate(() => im.lib.generateCatalog({ engine, config: cfg, n: N, seed: 6, noise }), N)[0];
        best[k][library] = Math.max(best[k][library] ?? 0, v);
      }
    }
  }
  for (const [k, im] of impls.entries()) {
    for (const library of libs) emit(`${im.tag}simulator.seds_per_s_warm_1thread_${library}`, best[k][library], 'SED/s');
    emit(`${im.tag}simulator.bc03_over_maraston05_seds_ratio`, best[k]['bc03-miles'] / best[k].maraston05, 'x');
  }
  if (baseDir) {
    const [b, c] = best;
    emit('simulator.bc03_over_baseline_maraston05_seds_ratio', c['bc03-miles'] / b.maraston05, 'x');
    for (const library of libs) emit(`simulator.speedup_vs_baseline_${library}`, c[library] / b[library], 'x');
    // noiseless fluxes of the same draws (noise off: the number of noise deviates per band depends on the flux, so a
    // noisy catalogue's stream shifts after the first flux that differs), bands brighter than 1e-3 of the row's brightest
    for (const library of libs) {
      const cfg = parseSimulatorConfig({ ssp: { library }, noise: { mode: 'none' } });
      const [x, y] = impls.map((im, k) => im.lib.generateCatalog({ engine: engines[k][library].engine, config: cfg, n: N, seed: 6 }));
      const cols = x.bands.map((band) => `flux_${band}_true_njy`);
      let worst = 0;
      for (let r = 0; r < x.n; r++) {
        const brightest = Math.max(...cols.map((col) => x.columns[col][r]));
        for (const col of cols) {
          const f0 = x.columns[col][r];
          if (f0 > 1e-3 * brightest) worst = Math.max(worst, Math.abs(2.5 * Math.log10(y.columns[col][r] / f0)));
        }
      }
      emit(`simulator.max_abs_dmag_vs_baseline_${library}`, worst, 'mag');
    }
  }
}

// 2 worker threads, end to end (includes per-worker setup and cold operators): the "2 cores" figure
for (const im of only ? [] : impls) {
  for (const threads of [2]) {
    const t0 = performance.now();
    await im.node.simulateCatalogParallel({ n: N * 2, seed: 4, threads });
    emit(`${im.tag}simulator.seds_per_s_${threads}threads_end_to_end`, ((N * 2) / (performance.now() - t0)) * 1000, 'SED/s');
  }
}

if (baseDir && !only) {
  // accuracy of the current build against the baseline: noiseless fluxes of the same draws (seed 1; noise off, as above)
  const cfg0 = parseSimulatorConfig({ noise: { mode: 'none' } });
  const [a, b] = impls.map((im, k) => im.lib.generateCatalog({ engine: setup[k], config: cfg0, n: N, seed: 1 }));
  let worst = 0;
  for (const band of a.bands) {
    const x = a.columns[`flux_${band}_true_njy`];
    const y = b.columns[`flux_${band}_true_njy`];
    for (let r = 0; r < a.n; r++) if (x[r] > 0 && y[r] > 0) worst = Math.max(worst, Math.abs(2.5 * Math.log10(y[r] / x[r])));
  }
  emit('simulator.max_abs_dmag_vs_baseline', worst, 'mag');
}
