import { runPipeline } from '@pixsed/core';
import { formatMemory, setUpRun } from './run.js';

export interface ValidateConfigOptions {
  set: string[];
  /** Check this output folder as `run --out` would (empty unless --overwrite, not an input). */
  out?: string;
  overwrite?: boolean;
  /** Also push the source's first batch through every stage and sink (`--probe`; default false: no pixel data is read). */
  probe?: boolean;
}

/**
 * `pixsed validate-config`: every check `pixsed run` does before streaming, by the same code
 * (`setUpRun`, then `runPipeline` creating the source, every stage and every sink): files exist,
 * HDUs, units, grids, survey, model/band match, output paths vs inputs, the memory estimate.
 * Sinks write to a scratch folder that is removed; nothing is written to the output folder.
 * Stages and sinks check against the StreamInfo in create() (halo rows vs kernel size, target and
 * S/N bands, model bands, a sink missing a stage before it), so no pixel data is read; `--probe`
 * also runs the source's first batch through the chain.
 * Exit 0 and print the resolved pipeline, or exit non-zero with the error `run` would give.
 */
export async function validateConfigCommand(file: string, opts: ValidateConfigOptions): Promise<void> {
  const log = (m: string) => process.stderr.write(`[pixsed] ${m}\n`);
  const { config: c, output, memory } = await setUpRun(file, { out: opts.out ?? 'out', set: opts.set, overwrite: opts.overwrite, dryRun: true, exclusive: opts.out !== undefined, log });
  const probe = opts.probe ?? false;
  let probed = '';
  try {
    const t0 = performance.now();
    const s = await runPipeline(c, { outDir: output.dir, output, pipelineDir: c.dir, log, check: probe ? 'first-batch' : 'create' });
    probed = probe ? `probe   first batch (${s.rowsIn} px) through ${c.stages.length} stage(s) and ${c.sinks.length} sink(s): ok in ${((performance.now() - t0) / 1000).toFixed(1)} s` : 'probe   none (give --probe to push the first batch): source, stages and sinks created and checked against the StreamInfo, no batch pulled';
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
