// Configuration of the file target: one record per line, appended and fsynced.
import { z } from 'zod';
import { commonTargetFields, OUTPUT_FORMATS } from '../common-config.js';

export const fileTargetSchema = z.strictObject({
  ...commonTargetFields,
  type: z.literal('file'),
  format: z.enum(OUTPUT_FORMATS).default('json'),
  /** File to append to; its directory is created at start. Relative paths are resolved from the working directory. */
  path: z.string().min(1),
});
export type FileTargetConfig = z.infer<typeof fileTargetSchema>;
