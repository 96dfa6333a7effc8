import { mkdir, writeFile } from 'node:fs/promises';
import { resolve, join } from 'node:path';
import { runPipeline, type RunSummary } from '@pixsed/core';
import { loadPipeline } from '@pixsed/core/node';
import { createProgress } from '../progress.js';
import { createRegistry } from '../registry.js';
import { formatSummary } from '../summary.js';

export interface RunCommandOptions {
  out: string;
  set: string[];
  json?: boolean;
  quiet?: boolean;
}

/** `pixsed run`: validate, run with progress, print and save the summary (`run-summary.json`). */
export async function runCommand(file: string, opts: RunCommandOptions): Promise<RunSummary> {
  const config = await loadPipeline(file, createRegistry(), opts.set);
  const outDir = resolve(opts.out);
  await mkdir(outDir, { recursive: true });
  const progress = createProgress(process.stderr, config.run.progressIntervalSeconds, opts.quiet);
  const controller = new AbortController();
  const onSigint = () => controller.abort('interrupted (SIGINT)');
  process.once('SIGINT', onSigint);
  try {
    const summary = await runPipeline(config, {
      outDir,
      pipelineDir: config.dir,
      signal: controller.signal,
      log: (m) => process.stderr.write(`[pixsed] ${m}\n`),
      onProgress: (p) => progress.update(p),
    });
    progress.stop();
    const summaryFile = join(outDir, 'run-summary.json');
    summary.outputs.push(summaryFile);
    await writeFile(summaryFile, JSON.stringify(summary, null, 2) + '\n');
    process.stdout.write(opts.json ? JSON.stringify(summary) + '\n' : formatSummary(summary) + '\n');
    return summary;
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
  }
}
