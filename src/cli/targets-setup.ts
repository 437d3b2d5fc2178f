// `snyk-siem-forwarder targets setup`: installs what a target's SIEM needs before the first record (an index template).
import { loadConfig } from '../config/load.js';
import { installIndexTemplate } from '../targets/elasticsearch/setup.js';
import type { TargetConfig } from '../targets/target-schema.js';
import { parse, UsageError } from './args.js';

export const TARGETS_SETUP_HELP = `Usage: snyk-siem-forwarder targets setup [--target T] [--config FILE]

Installs what a target needs on the SIEM side, over the target's own URL, credentials and TLS settings:

  elasticsearch (format ecs)  the composable index template for the target's data stream, with
                              the mappings of every field the ecs format writes
                              (deploy/siem/elasticsearch/index-template.json)

The template is read back first and only written when it is missing or different, so running the
command again changes nothing ("up to date"). Splunk needs the add-on in deploy/siem/splunk instead;
other SIEMs are set up as docs/siem describes. Exits 1 if any target failed, 2 on a usage or
configuration error.

Options:
  -t, --target T       Only this target (default: every elasticsearch target)
  -c, --config FILE    Configuration (default: $FORWARDER_CONFIG, else ./forwarder.yaml if present)
      --timeout MS     Give up on a request after this long (default 15000)
  -h, --help           Show this help
`;

type ElasticsearchTarget = Extract<TargetConfig, { type: 'elasticsearch' }>;

/** The targets to set up: the named one, which must be an ecs elasticsearch target, or every such target. */
function selectTargets(targets: readonly TargetConfig[], name: string | undefined): ElasticsearchTarget[] {
  if (name !== undefined) {
    const target = targets.find((t) => t.name === name);
    if (target === undefined) throw new UsageError(`no target named "${name}"`);
    if (target.type !== 'elasticsearch') {
      throw new UsageError(
        `target "${name}" is ${target.type}: targets setup installs Elasticsearch index templates only (Splunk: install the add-on in deploy/siem/splunk)`,
      );
    }
    if (target.format !== 'ecs') {
      throw new UsageError(
        `target "${name}" writes format ${target.format}: the index template maps the ecs format only`,
      );
    }
    return [target];
  }
  const all = targets.filter(
    (t): t is ElasticsearchTarget => t.type === 'elasticsearch' && t.format === 'ecs',
  );
  if (all.length === 0) throw new UsageError('no elasticsearch target with format ecs in the configuration');
  return all;
}

export async function runTargetsSetup(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    target: { type: 'string', short: 't' },
    config: { type: 'string', short: 'c' },
    timeout: { type: 'string', default: '15000' },
  });
  if (values.help) {
    process.stdout.write(TARGETS_SETUP_HELP);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'setup') {
    throw new UsageError(`unexpected argument "${positionals.slice(1).join(' ')}"`);
  }
  const timeoutMs = Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw new UsageError('--timeout must be a positive integer');
  const { config } = loadConfig({ configFile: values.config });
  let failures = 0;
  for (const target of selectTargets(config.targets, values.target)) {
    try {
      const result = await installIndexTemplate(target, { timeoutMs });
      process.stdout.write(
        `OK    ${target.name}: index template ${result.template} (${result.pattern}) ${result.status}\n`,
      );
    } catch (error) {
      failures += 1;
      // One line per target: a network error's message names the address and the cause (ECONNREFUSED, …).
      process.stdout.write(`FAIL  ${target.name}: ${oneLine((error as Error).message)}\n`);
    }
  }
  return failures > 0 ? 1 : 0;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
