// Builds a Target from its validated configuration; the one place that knows every target type.
import type { TargetConfig } from './target-schema.js';
import type { Target, TargetDeps } from './types.js';
import { buildElasticsearchTarget } from './elasticsearch/target.js';
import { buildFileTarget } from './file/target.js';
import { buildHttpTarget } from './http/target.js';
import { buildRapid7Target } from './rapid7/target.js';
import { buildSplunkHecTarget } from './splunk-hec/target.js';
import { buildSyslogTarget } from './syslog/target.js';

type Builders = {
  [K in TargetConfig['type']]: (config: Extract<TargetConfig, { type: K }>, deps: TargetDeps) => Target;
};

const builders: Builders = {
  file: buildFileTarget,
  syslog: buildSyslogTarget,
  http: buildHttpTarget,
  'splunk-hec': buildSplunkHecTarget,
  elasticsearch: buildElasticsearchTarget,
  rapid7: buildRapid7Target,
};

/** Builds a target without sending anything: files are opened and TLS material is read, so errors show at start. */
export function buildTarget(config: TargetConfig, deps: TargetDeps): Target {
  const build = builders[config.type] as (c: TargetConfig, d: TargetDeps) => Target;
  return build(config, deps);
}
