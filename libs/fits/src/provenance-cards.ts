import type { RunFacts, StreamInfo } from '@pixsed/core';

type Cards = Record<string, string | number | boolean | null>;

/**
 * Provenance cards of a run's FITS outputs (maps, catalogues, pixel tables; also the galaxies ECSV meta): pixsed version,
 * model name / version / sha256 / SPS, PSF target band, S/N selection, samples per pixel and per galaxy, run
 * date and resolved config hash. Values only where the run states them.
 */
export function provenanceCards(stream: StreamInfo, run: RunFacts | undefined, samplesPerGalaxy: number | undefined): Cards {
  const c: Cards = { ORIGIN: 'pixsed' };
  if (run?.pixsedVersion) c.PIXSEDV = run.pixsedVersion;
  if (run) c.DATE = run.startedAt.replace(/Z$/, '');
  if (run) c.CFGHASH = run.configHash;
  const m = stream.inference?.model;
  if (m) Object.assign(c, { MODEL: m.name, MODELVER: m.version, MODELSHA: m.sha256, MODELSPS: m.sps });
  if (stream.inference?.samplesPerPixel !== undefined) c.NSAMPPIX = stream.inference.samplesPerPixel;
  if (samplesPerGalaxy !== undefined) c.NSAMPGAL = samplesPerGalaxy;
  if (stream.survey?.name) c.SURVEY = stream.survey.name;
  if (stream.psf) c.PSFBAND = stream.psf.targetBand;
  if (stream.mask) Object.assign(c, { SNRTHR: stream.mask.snrThreshold, SNRBANDS: stream.mask.snrBands.join(' '), SNRCMP: stream.mask.comparison });
  return c;
}

/** The flag bit table as cards `FLAGB<bit>` = name. */
export function flagBitCards(flags: readonly { bit: number; name: string }[]): Cards {
  return Object.fromEntries(flags.map((f) => [`FLAGB${f.bit}`, f.name]));
}
