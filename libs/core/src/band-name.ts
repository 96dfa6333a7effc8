import { z } from 'zod';

/** A band name as every survey, model and config spells it: lower case letters and digits (`f444w`). */
export const bandNameSchema = z.string().regex(/^[a-z0-9]+$/, 'lower-case band name such as f444w');
