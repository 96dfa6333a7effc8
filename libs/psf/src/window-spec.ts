import { z } from 'zod';
import { ConfigError, configIssues } from '@pixsed/core';

const unit = (what: string) => z.number().min(0).max(1).describe(what);

/**
 * The one window-spec syntax of Fourier-ratio PSF matching (photutils.psf.matching window classes;
 * formulas in matching-window.ts): the YAML/TS object form. `parseWindowSpec` reads the CLI string form
 * (`tukey:0.3`) into it and `formatWindowSpec` writes it back.
 */
export const windowSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('TopHat'), beta: unit('inner radius as a fraction of the half-size (1 inside, 0 outside)') }),
  z.strictObject({ type: z.literal('CosineBell'), alpha: unit('taper width as a fraction of the half-size') }),
  z.strictObject({ type: z.literal('SplitCosineBell'), alpha: unit('taper width as a fraction of the half-size'), beta: unit('flat inner radius as a fraction of the half-size') }),
  z.strictObject({ type: z.literal('Tukey'), alpha: unit('taper width as a fraction of the half-size (flat inside 1 - alpha)') }),
  z.strictObject({ type: z.literal('Hanning') }),
]);
export type WindowSpec = z.infer<typeof windowSpecSchema>;

/** Default window of the Fourier-ratio method (pipeline `window:` and CLI `--window tukey:0.3`). */
export const DEFAULT_WINDOW_SPEC: WindowSpec = { type: 'Tukey', alpha: 0.3 };

type WindowType = WindowSpec['type'];
type ParamName = 'alpha' | 'beta';

/** CLI name and parameter order of every window type (the string form is `name[:p1[,p2]]`, names case-insensitive). */
export const WINDOW_CLI_FORMS: Record<WindowType, { name: string; params: readonly ParamName[] }> = {
  TopHat: { name: 'tophat', params: ['beta'] },
  CosineBell: { name: 'cosinebell', params: ['alpha'] },
  SplitCosineBell: { name: 'splitcosinebell', params: ['alpha', 'beta'] },
  Tukey: { name: 'tukey', params: ['alpha'] },
  Hanning: { name: 'hanning', params: [] },
};

const usage = (type: WindowType): string => {
  const f = WINDOW_CLI_FORMS[type];
  return f.params.length ? `${f.name}:${f.params.map((p) => p.toUpperCase()).join(',')}` : f.name;
};

/** The allowed CLI forms, for help texts and error messages: `tophat:BETA, cosinebell:ALPHA, ...`. */
export const WINDOW_SPEC_FORMS = (Object.keys(WINDOW_CLI_FORMS) as WindowType[]).map(usage).join(', ');

/**
 * CLI string → WindowSpec: `tophat:0.9`, `cosinebell:0.3`, `splitcosinebell:0.3,0.5`, `tukey:0.3`, `hanning`.
 * A bad string is a ConfigError on `option` that quotes the string and lists the allowed forms; the numbers are
 * checked by windowSpecSchema (each in [0, 1]).
 */
export function parseWindowSpec(text: string, option = '--window'): WindowSpec {
  const fail = (why: string): never => {
    throw new ConfigError(undefined, [{ path: option, message: `${why} (expected one of ${WINDOW_SPEC_FORMS}; numbers in [0, 1])` }], 'option');
  };
  const parts = text.trim().split(':');
  if (parts.length > 2) fail(`'${text}': one ':' at most`);
  const name = parts[0].toLowerCase();
  const entry = Object.entries(WINDOW_CLI_FORMS).find(([, f]) => f.name === name) as [WindowType, (typeof WINDOW_CLI_FORMS)[WindowType]] | undefined;
  if (!entry) return fail(`unknown window '${parts[0]}'`);
  const [type, form] = entry;
  const args = parts.length === 2 ? parts[1].split(',').map((s) => s.trim()) : [];
  const values = args.map(Number);
  if (values.length !== form.params.length || args.some((s) => s === '') || values.some((v) => !Number.isFinite(v))) {
    fail(`'${text}': ${form.name} takes ${form.params.length ? form.params.join(' and ') : 'no numbers'}${form.params.length ? ` (${usage(type)})` : ''}`);
  }
  const spec = { type, ...Object.fromEntries(form.params.map((p, i) => [p, values[i]])) };
  const r = windowSpecSchema.safeParse(spec);
  if (!r.success) fail(`'${text}': ${configIssues(r.error).map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  return r.data as WindowSpec;
}

/** WindowSpec → its CLI string (`formatWindowSpec(parseWindowSpec(s))` is `s` in canonical lower case). */
export function formatWindowSpec(spec: WindowSpec): string {
  const form = WINDOW_CLI_FORMS[spec.type];
  const values = form.params.map((p) => (spec as Record<ParamName, number>)[p]);
  return values.length ? `${form.name}:${values.join(',')}` : form.name;
}
