// The union of every target type's configuration, keyed by `type`.
import { z } from 'zod';
import { fileTargetSchema } from './file/config.js';

export const targetSchema = z.discriminatedUnion('type', [fileTargetSchema]);
export type TargetConfig = z.infer<typeof targetSchema>;
