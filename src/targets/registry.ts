// Builds a Target from its validated configuration; the one place that knows every target type.
import type { Logger } from 'winston';
import type { TargetConfig } from './target-schema.js';
import type { Target } from './types.js';
import { buildFileTarget } from './file/send.js';

export interface TargetDeps {
  logger: Logger;
}

type Builders = {
  [K in TargetConfig['type']]: (config: Extract<TargetConfig, { type: K }>, deps: TargetDeps) => Target;
};

const builders: Builders = {
  file: buildFileTarget,
};

/** Builds a target without sending anything: files are opened and TLS material is read, so errors show at start. */
export function buildTarget(config: TargetConfig, deps: TargetDeps): Target {
  const build = builders[config.type] as (c: TargetConfig, d: TargetDeps) => Target;
  return build(config, deps);
}
