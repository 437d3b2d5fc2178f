// `snyk-siem-forwarder validate`: loads and checks the configuration and builds every target without sending.
import { loadConfig } from '../config/load.js';
import { buildTarget } from '../targets/registry.js';
import { createLogger } from '../telemetry/logger.js';
import { parse } from './args.js';

export const VALIDATE_HELP = `Usage: snyk-siem-forwarder validate [--config FILE]

Loads the configuration (file and environment), checks it, and builds every target without sending
anything (TLS files are read, URLs parsed). Exits 0 when it is valid, else prints every problem and exits 2.
Suitable for systemd's ExecStartPre= and for CI.

Options:
  -c, --config FILE   YAML configuration (default: $FORWARDER_CONFIG, else ./forwarder.yaml if present)
  -h, --help          Show this help
`;

export async function runValidate(argv: string[]): Promise<number> {
  const { values } = parse(argv, { config: { type: 'string', short: 'c' } });
  if (values.help) {
    process.stdout.write(VALIDATE_HELP);
    return 0;
  }
  const { config, source } = loadConfig({ configFile: values.config });
  const logger = createLogger({ level: 'error', format: 'json' });
  const problems: string[] = [];
  for (const [index, target] of config.targets.entries()) {
    try {
      const built = buildTarget(target, { logger });
      await built.close();
    } catch (error) {
      problems.push(`targets[${index}] (${target.name}): ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) {
    process.stderr.write(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 2;
  }
  process.stdout.write(
    `Configuration OK (${source ?? 'defaults and environment'}): ${config.targets.length} target(s): ` +
      `${config.targets.map((t) => `${t.name} [${t.type}, ${t.format}]`).join(', ')}\n`,
  );
  return 0;
}
