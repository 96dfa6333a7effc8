#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, PixsedError, RunCancelledError } from '@pixsed/core';
import { NOISE_MODEL_NAMES } from '@pixsed/simulator';
import { DEFAULT_BATCH_ROWS, DEFAULT_PPC_DRAWS } from '@pixsed/model';
import { demoPipeline } from './paths.js';
import { versionLine } from './version.js';

/**
 * A command's action, its module loaded when the command runs: `pixsed --help` or one command does not load every
 * command's libraries (onnxruntime, the PSF and FITS stacks, the plug-in registry).
 */
function lazy<K extends string>(load: () => Promise<Record<K, (...args: any[]) => unknown>>, name: K) {
  return async (...args: unknown[]) => {
    await (await load())[name](...args);
  };
}

const collect = (value: string, previous: string[]) => [...previous, value];

const program = new Command()
  .name('pixsed')
  .description('Streaming pixel-by-pixel inference of galaxy stellar populations from JWST/HST imaging')
  .version(versionLine(), '-V, --version', 'print the pixsed, Node.js and onnxruntime versions')
  .showHelpAfterError()
  // usage errors (unknown option, missing argument ...) throw a CommanderError: exit 2 below; subcommands inherit this
  .exitOverride();

const setOption = () => new Option('--set <key=value>', 'override a config value, e.g. stages.psf.targetBand=f444w (repeatable)').argParser(collect).default([]);

program
  .command('run')
  .description('run a pipeline YAML end to end')
  .argument('<pipeline.yaml>', 'pipeline file')
  .option('--out <dir>', 'output folder (must be empty or new, unless --overwrite)', 'out')
  .option('--overwrite', 'replace the results of an earlier run in --out when this run completes (files it no longer produces are removed)')
  .addOption(setOption())
  .option('--json', 'print the run summary as JSON')
  .option('--quiet', 'print only warnings and errors (no progress, no summary: it is saved as run-summary.json)')
  .option('--no-report', 'do not write the HTML run report (<out>/report/index.html)')
  .option('--shard <i/N|auto>', 'run shard i of N (1-based) into <out>/shards/part-<i>-of-<N>/; auto: from SLURM_ARRAY_TASK_ID (and _MIN/_MAX or _COUNT); combine with `pixsed merge <out>`')
  .action(lazy(() => import('./commands/run.js'), 'runCommand'));

program
  .command('merge')
  .description('merge the shards of <out>/shards/ (pixsed run --shard i/N) into the outputs one run writes in <out>: checks every shard is present, complete and of the same pipeline, config and model')
  .argument('<out>', 'the --out folder of the sharded run')
  .option('--json', 'print the merged run summary as JSON')
  .option('--quiet', 'print only warnings and errors')
  .option('--no-report', 'do not write the HTML run report (<out>/report/index.html)')
  .action(lazy(() => import('./commands/merge.js'), 'mergeCommand'));

program
  .command('slurm')
  .description('write SLURM scripts for a sharded run: an sbatch array of N shards and a merge job after it (--dependency=afterok), and print the sbatch commands')
  .argument('<pipeline.yaml>', 'pipeline file')
  .requiredOption('--shards <N>', 'number of shards (array tasks)')
  .requiredOption('--out <dir>', 'output folder of the run (scripts and logs go to <dir>/slurm/)')
  .option('--partition <P>', 'sbatch --partition')
  .option('--time <T>', 'sbatch --time per shard (e.g. 2:00:00)')
  .option('--mem <M>', 'sbatch --mem per shard (e.g. 4G)')
  .option('--cpus-per-task <C>', 'sbatch --cpus-per-task')
  .option('--pixsed <command>', 'how the jobs start pixsed (default: this node and this CLI, absolute paths; or set PIXSED in the job environment)')
  .addOption(setOption())
  .option('--quiet', 'print nothing')
  .action(lazy(() => import('./commands/slurm.js'), 'slurmCommand'));

program
  .command('report')
  .description('write the HTML run report of a complete run: <out-dir>/report/index.html (self-contained: figures copied, no network)')
  .argument('<out-dir>', 'output folder of a complete run (holds run-summary.json)')
  .action(lazy(() => import('./commands/report.js'), 'reportCommand'));

program
  .command('validate-config')
  .description('run every check `run` does before streaming (files, HDUs, units, grids, survey, model bands, outputs vs inputs, memory) without writing outputs')
  .argument('<pipeline.yaml>', 'pipeline file')
  .addOption(setOption())
  .option('--out <dir>', 'also check this output folder as `run --out` would (empty or new unless --overwrite)')
  .option('--overwrite', 'with --out: accept a folder holding earlier results')
  .option('--probe', 'also push the first batch through the stages and sinks (reads pixel data; by default every check runs in create() from the StreamInfo)')
  .option('--no-probe', 'checks at creation only, reading no pixel data (the default)')
  .action(lazy(() => import('./commands/validate-config.js'), 'validateConfigCommand'));

program
  .command('demo')
  .description('run the demo pipeline (pipelines/demo.yaml) on the embedded test data')
  .option('--out <dir>', 'output folder (must be empty or new, unless --overwrite)', 'out/demo')
  .option('--overwrite', 'replace the results of an earlier run in --out when this run completes')
  .addOption(setOption())
  .option('--json', 'print the run summary as JSON')
  .option('--quiet', 'print only warnings and errors')
  .action(async (opts) => {
    await (await import('./commands/run.js')).runCommand(demoPipeline, opts);
  });

program
  .command('schema')
  .description('print (or write) the JSON Schema of the pipeline YAML format')
  .option('--out <file>', 'write to this file instead of stdout')
  .action(lazy(() => import('./commands/schema.js'), 'schemaCommand'));

const fits = program.command('fits').description('FITS utilities');
fits
  .command('info')
  .description('print shape, unit, statistics (finite pixels), WCS and corner coordinates of an image HDU')
  .argument('<file>', 'FITS file (.fits or .fits.gz)')
  .option('--hdu <n>', '0-based HDU index (default: first image HDU with data)')
  .option('--json', 'print JSON: {file, hdu, bitpix, naxis, bunit, header, stats, wcs, corners}')
  .action(lazy(() => import('./commands/fits-info.js'), 'fitsInfoCommand'));

const simulate = program.command('simulate').description('simulate training catalogues (default) or mock mosaics');
simulate
  .command('catalog', { isDefault: true })
  .description('simulate a training catalogue: priors → SEDs → noiseless and noisy photometry (nJy)')
  .option('--survey <name>', 'band set: jades (19 bands) or hst', 'jades')
  .requiredOption('--n <count>', 'number of objects')
  .option('--seed <int>', 'random seed (same seed → same catalogue)', '0')
  .requiredOption('--out <dir>', 'output folder')
  .option('--config <sims.yaml>', 'simulator config (priors, SFH, noise); see libs/simulator/README.md')
  .option('--format <fmt>', 'npy (float32 matrix + columns.json for the PyTorch trainer), csv or parquet', 'npy')
  .option('--threads <n>', 'worker threads (default: the machine\'s cores, at most 8); the catalogue does not depend on it')
  .action(lazy(() => import('./commands/simulate.js'), 'simulateCommand'));
simulate
  .command('mosaic')
  .description('simulate a mock multi-band mosaic with known truth (sci/err FITS per band, segmentation, catalogue, truth maps)')
  .requiredOption('--config <mosaic.yaml>', 'mosaic config (see libs/mocks/README.md; example: test-data/mosaic/mosaic.yaml)')
  .requiredOption('--out <dir>', 'output folder')
  .option('--quiet', 'no progress output')
  .action(lazy(() => import('@pixsed/mocks/node'), 'simulateMosaicCommand'));

program
  .command('infer')
  .description('catalogue mode: posterior summaries for rows of fluxes (flux_<band>_njy, flux_<band>_err_njy, z); extra columns carried through')
  .requiredOption('--model <model.onnx>', 'ONNX posterior with manifest.json beside it')
  .requiredOption('--input <table>', 'input table (.csv or .parquet)')
  .requiredOption('--out <table>', 'output table (.csv or .parquet)')
  .option('--samples <n>', 'posterior samples per row', '500')
  .option('--seed <int>', 'seed of the sampling noise', '0')
  .option('--batch-rows <n>', 'rows per onnxruntime call (memory ∝ rows × samples)', String(DEFAULT_BATCH_ROWS))
  .option('--ppc-draws <n>', `posterior draws per row in the posterior-predictive check (models with a PPC emulator; 0 = off; default ${DEFAULT_PPC_DRAWS})`)
  .option('--threads <n>', 'cores for sampling (1 to 1024): one onnxruntime session per core up to 4, the rest as intra-op threads', '2')
  .option('--key <columns>', "columns that key each row's sampling noise, e.g. id, or x,y for a pixel table (default: the row index)")
  .option('--photz-model <model.onnx>', 'photo-z model (z a parameter) for rows without z (no z column, or NaN/empty z): writes its parameters incl. z_* and z_source (spec | pixsed-photo)')
  .action(lazy(() => import('./commands/infer.js'), 'inferCommand'));

const psf = program.command('psf').description('PSF matching kernels and convolution');
psf
  .command('kernel')
  .description('build a matching kernel (source ⊛ K ≈ target), write it as FITS and print its quality as JSON')
  .requiredOption('--source <psf.fits>', 'source (narrower) PSF')
  .requiredOption('--target <psf.fits>', 'target (broader) PSF')
  .option('--source-hdu <n>', 'HDU of the source PSF')
  .option('--target-hdu <n>', 'HDU of the target PSF')
  .option('--method <m>', 'fourier (Fourier ratio with a window, photutils; `window` is a deprecated alias) or wiener (pypher)', 'wiener')
  .option('--window <spec>', 'window for --method fourier: tophat:B, cosinebell:A, splitcosinebell:A,B, tukey:A, hanning', 'tukey:0.3')
  .option('--regularization <mu>', 'Wiener regularisation factor', '1e-4')
  .option('--pixel-scale <arcsec>', 'resample both PSFs to this pixel scale (arcsec/pixel; PSF scales from PIXELSCL/CD/CDELT)')
  .option('--source-oversample <f>', 'source PSF is oversampled by f relative to the image pixels (instead of a header scale)')
  .option('--target-oversample <f>', 'target PSF is oversampled by f (e.g. 4 for WebbPSF HDU 1)')
  .option('--force', 'build the kernel even if the target is narrower than the source')
  .requiredOption('--out <kernel.fits>', 'output kernel FITS')
  .action(lazy(() => import('./commands/psf.js'), 'psfKernelCommand'));
psf
  .command('convolve')
  .description('convolve an image with a kernel, streaming strips (mode "same", zeros outside)')
  .argument('<image.fits>')
  .argument('<kernel.fits>')
  .option('--hdu <n>', 'HDU of the image')
  .option('--strip-rows <n>', 'rows per strip (default: an FFT-efficient height)')
  .requiredOption('--out <out.fits>', 'output FITS')
  .action(lazy(() => import('./commands/psf.js'), 'psfConvolveCommand'));

program
  .command('validate')
  .description('calibration of a posterior model on held-out mocks: R², bias, NMAD, outliers, 68/95% coverage, TARP/ATC, SBC; PNG plots')
  .requiredOption('--model <model.onnx>', 'ONNX posterior (manifest.json beside it)')
  .option('--mocks <dir>', 'mocks with truths: a `pixsed simulate` folder (catalog.npy + catalog.columns.json, or catalog.csv) or a .npy/.csv file')
  .option('--n <count>', 'simulate this many held-out mocks instead (jades bands, default priors, seed = --seed + 1)')
  .option('--seed <int>', 'seed of the posterior sampling, TARP references and SBC ties (mocks use seed + 1)', '0')
  .option('--samples <count>', 'posterior samples per object', '500')
  .option('--out <dir>', 'folder for pred_vs_true.png, coverage.png, sbc.png and validation.json (default: validation-<model name>, printed)')
  .option('--json', 'print the report as JSON')
  .action(lazy(() => import('./commands/validate.js'), 'validateCommand'));

program
  .command('ppc-calibrate')
  .description("choose a model's posterior-predictive-check threshold (PPC_POOR) on held-out mocks of its own simulator; report false-flag rates")
  .requiredOption('--model <model.onnx>', 'ONNX posterior with a PPC emulator (manifest ppc block)')
  .requiredOption('--mocks <dir>', 'held-out mocks of the model\'s own simulator (a `pixsed simulate` folder or .npy/.csv), never its training rows')
  .option('--other <dirs>', 'comma-separated mocks from other simulators (e.g. another SSP library): flagged fraction reported')
  .option('--draws <n>', `posterior draws per row (default ${DEFAULT_PPC_DRAWS})`)
  .option('--rate <fraction>', 'false-flag rate the threshold is chosen for', '0.01')
  .option('--corruption <factor>', 'flux factor applied to one band per row for the detection-rate check', '1.5')
  .option('--seed <int>', 'sampling seed', '0')
  .option('--max-rows <n>', 'most mock rows used (after the S/N selection)', '20000')
  .option('--update-manifest', "write the threshold and the report into the model's manifest.json (atomically)")
  .option('--json', 'print the report as JSON')
  .action(lazy(() => import('./commands/ppc-calibrate.js'), 'ppcCalibrateCommand'));

program
  .command('validate-matrix')
  .description('train-on-A / test-on-B: validate several models on held-out mocks from each SSP library (and their mixture), per S/N bin')
  .requiredOption('--models <a.onnx,b.onnx,...>', 'comma-separated ONNX posteriors (manifest.json beside each)')
  .option('--libraries <list>', 'test columns: SSP libraries and/or mixture (equal weights)', 'maraston05,bc03-miles,mixture')
  .option('--n <count>', 'mocks simulated per test column (before the S/N selection)', '5000')
  .option('--seed <int>', 'posterior sampling seed (mocks use seed + 1)', '0')
  .option('--samples <count>', 'posterior samples per object', '500')
  .option('--mocks-config-from <model.onnx>', "model whose training prior the mocks use (default: the first of --models), with ssp replaced per column")
  .option(
    '--noise <list>',
    `noise axis: each test column becomes (library, noise model), the prior's noise replaced; prints 68/95 % coverage per cell with a within-±3 % verdict. Names: ${NOISE_MODEL_NAMES.map((m) => `${m.name} = ${m.meaning}`).join('; ')}`,
  )
  .option('--out <dir>', 'folder for matrix.json', 'validation-matrix')
  .option('--record', "also record each model's cells under \"matrix\" in the validation.json beside it (its training report)")
  .action(lazy(() => import('./commands/validate-matrix.js'), 'validateMatrixCommand'));

program.command('plugins').description('list the registered sources, stages and sinks with their config keys').action(lazy(() => import('./commands/plugins.js'), 'pluginsCommand'));

program.parseAsync(process.argv).catch((err: unknown) => {
  // commander has printed its message (or the help / version): 0 for --help and --version, 2 for a usage error
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  if (err instanceof RunCancelledError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof PixsedError) {
    process.stderr.write(`error: ${err.name}: ${err.message}\n`);
    process.exit(1);
  }
  // Unexpected errors: the message by default, the stack with PIXSED_DEBUG=1.
  const detail = err instanceof Error ? (process.env.PIXSED_DEBUG ? (err.stack ?? err.message) : err.message) : String(err);
  process.stderr.write(`error: ${detail}\n`);
  process.exit(1);
});
