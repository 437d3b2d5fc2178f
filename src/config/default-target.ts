// The embedded default: with no targets configured, records go to $DATA_DIR/out/findings.ndjson.
import { join, resolve } from 'node:path';
import type { Config } from './schema.js';
import { fileTargetSchema } from '../targets/file/config.js';

export const DEFAULT_TARGET_NAME = 'default-file';

/** Resolves dataDir to an absolute path and adds the default file target when the list is empty. */
export function applyDefaultTarget(config: Config, cwd: string): Config {
  const dataDir = resolve(cwd, config.dataDir);
  const targets =
    config.targets.length > 0
      ? config.targets
      : [
          fileTargetSchema.parse({
            name: DEFAULT_TARGET_NAME,
            type: 'file',
            format: 'json',
            path: join(dataDir, 'out', 'findings.ndjson'),
          }),
        ];
  return { ...config, dataDir, targets };
}
