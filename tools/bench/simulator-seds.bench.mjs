// Benchmark of @pixsed/simulator: SEDs (19-band JADES photometry of composite populations) per second.
// Build first: npx tsc -b libs/simulator ; then: node tools/bench/simulator-seds.bench.mjs
// Prints one JSON line per figure: {"name","value","unit"}.
import { createEngineFromData, loadJadesNoiseTables, parseSimulatorConfig } from '@pixsed/simulator/node';
import { generateCatalog } from '@pixsed/simulator';

const N = Number(process.env.BENCH_N ?? 50000);
const emit = (name, value, unit) => console.log(JSON.stringify({ name, value: Number(value.toPrecision(4)), unit }));

let t0 = performance.now();
const config = parseSimulatorConfig({});
const engine = createEngineFromData('jades', config);
const noise = loadJadesNoiseTables();
emit('simulator.engine_setup', performance.now() - t0, 'ms');

// cold: first pass also builds the per-redshift band operators lazily
t0 = performance.now();
generateCatalog({ engine, config, n: N, seed: 1, noise });
const cold = (N / (performance.now() - t0)) * 1000;
emit('simulator.seds_per_s_cold_1thread', cold, 'SED/s');

// warm: operators cached (the steady state of a long training-set run)
t0 = performance.now();
generateCatalog({ engine, config, n: N, seed: 2, noise });
const warm = (N / (performance.now() - t0)) * 1000;
emit('simulator.seds_per_s_warm_1thread', warm, 'SED/s');

// nonparametric SFH (continuity prior), warm
const cfgNp = parseSimulatorConfig({ sfh: { type: 'nonparametric-continuity' } });
t0 = performance.now();
generateCatalog({ engine, config: cfgNp, n: N, seed: 3, noise });
emit('simulator.seds_per_s_warm_1thread_continuity', (N / (performance.now() - t0)) * 1000, 'SED/s');

// 2 worker threads, end to end (includes per-worker setup and cold operators): the "2 cores" figure
const { simulateCatalogParallel } = await import('@pixsed/simulator/node');
for (const threads of [2]) {
  t0 = performance.now();
  await simulateCatalogParallel({ n: N * 2, seed: 4, threads });
  emit(`simulator.seds_per_s_${threads}threads_end_to_end`, ((N * 2) / (performance.now() - t0)) * 1000, 'SED/s');
}
