import { runPipeline } from '@pixsed/core';
import { formatMemory, setUpRun } from './run.js';

export interface ValidateConfigOptions {
  set: string[];
  /** Check this output folder as `run --out` would (empty unless --overwrite, not an input). */
  out?: string;
  overwrite?: boolean;
  /** Push the source's first batch through every stage and sink (default true; `--no-probe`). */
  probe?: boolean;
}

/**
 * `pixsed validate-config`: every check `pixsed run` does before streaming, by the same code
 * (`setUpRun`, then `runPipeline` creating the source, every stage and every sink): files exist,
 * HDUs, units, grids, survey, model/band match, output paths vs inputs, the memory estimate.
 * Sinks write to a scratch folder that is removed; nothing is written to the output folder.
 * The probe also runs the source's first batch through the chain, which finds what stages can
 * only check on a batch today (halo rows vs kernel size, a sink missing a stage before it).
 * Exit 0 and print the resolved pipeline, or exit non-zero with the error `run` would give.
 */
export async function validateConfigCommand(file: string, opts: ValidateConfigOptions): Promise<void> {
  const log = (m: string) => process.stderr.write(`[pixsed] ${m}\n`);
  const { config: c, output, memory } = await setUpRun(file, { out: opts.out ?? 'out', set: opts.set, overwrite: opts.overwrite, dryRun: true, exclusive: opts.out !== undefined, log });
  const probe = opts.probe ?? true;
  let probed = '';
  try {
    const t0 = performance.now();
    const s = await runPipeline(c, { outDir: output.dir, output, pipelineDir: c.dir, log, check: probe ? 'first-batch' : 'create' });
    probed = probe ? `probe   first batch (${s.rowsIn} px) through ${c.stages.length} stage(s) and ${c.sinks.length} sink(s): ok in ${((performance.now() - t0) / 1000).toFixed(1)} s` : 'probe   skipped (--no-probe): source, stages and sinks created only';
  } finally {
    await output.abort();
  }
  const lines = [
    `${file}: valid pipeline '${c.name}'`,
    `  source  ${c.source.type} ${JSON.stringify(c.source.config)}`,
    ...c.stages.map((s, i) => `  stage ${i} ${s.name} (${s.type} v${s.def.version}) ${JSON.stringify(s.config)}`),
    ...c.sinks.map((s) => `  sink    ${s.type} ${JSON.stringify(s.config)}`),
    `  run     ${JSON.stringify(c.run)}`,
    ...memory.map((m) => `  memory  ${formatMemory(m)}`),
    `  output  ${output.dir}${opts.out === undefined ? ' (default; give --out to check the folder as run would)' : opts.overwrite ? ' (--overwrite: earlier results would be replaced)' : ': ok'}`,
    `  ${probed}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
