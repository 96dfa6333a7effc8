import { ConfigError, parseConfig } from '@pixsed/core';
import { hstSurvey, jadesSurvey } from './builtin-surveys.js';
import { surveySchema, type Survey, type SurveyInput } from './survey-schema.js';

/** Validate a survey definition; errors name the source and the path inside it. */
export function parseSurvey(input: unknown, where = 'survey definition'): Survey {
  return parseConfig(surveySchema, input, where, 'survey');
}

/** Survey plug-ins by name. Built-ins: jades, hst; add more with `register`. */
export class SurveyRegistry {
  private readonly surveys = new Map<string, Survey>();

  constructor(defs: SurveyInput[] = [jadesSurvey, hstSurvey]) {
    for (const d of defs) this.register(d);
  }

  register(def: SurveyInput): Survey {
    const s = parseSurvey(def, `survey '${def.name}'`);
    this.surveys.set(s.name, s);
    return s;
  }

  names(): string[] {
    return [...this.surveys.keys()];
  }

  /** A survey by name, or an inline definition validated on the spot. */
  resolve(ref: string | SurveyInput, where?: string): Survey {
    if (typeof ref !== 'string') return parseSurvey(ref, where);
    const s = this.surveys.get(ref);
    if (!s) throw new ConfigError(where, [{ path: 'survey', message: `unknown survey '${ref}' (known: ${this.names().join(', ')}); or define it inline` }]);
    return s;
  }
}

/** The process-wide registry used by stages. */
export const surveys = new SurveyRegistry();
