import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors.js';
import { formatPath } from './pipeline-config.js';

/** zod issues → ConfigIssues with one path format (`stages[2].snrThreshold`, see formatPath). */
export function configIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

/**
 * Validate `raw` against a zod schema; on failure throw one ConfigError naming the file (or
 * `<inline what>`), every offending path and what was expected. The one zod → ConfigError bridge.
 */
export function parseConfig<S extends z.ZodType>(schema: S, raw: unknown, file: string | undefined, what: string): z.output<S> {
  const r = schema.safeParse(raw);
  if (!r.success) throw new ConfigError(file, configIssues(r.error), what);
  return r.data;
}
