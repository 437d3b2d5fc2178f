// `snyk-siem-forwarder validate`: runs the checks `start` runs (load, then preflight) and sends nothing.
import { loadConfig } from '../config/load.js';
import { preflight } from '../config/preflight.js';
import { configFileArgument, parse } from './args.js';

export const VALIDATE_HELP = `Usage: snyk-siem-forwarder validate [FILE | --config FILE]

Loads the configuration (file and environment), checks it, and builds every target without sending
anything (TLS files are read and checked, file paths checked and their directories created, URLs
parsed): the same checks "start" runs before it starts anything. Exits 0 when it is valid, else prints
every problem and exits 2. Suitable for systemd's ExecStartPre= and for CI.

Arguments:
  FILE                YAML configuration to check (the same as --config FILE)

Options:
  -c, --config FILE   YAML configuration (default: $FORWARDER_CONFIG, else ./forwarder.yaml if present)
  -h, --help          Show this help
`;

export async function runValidate(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { config: { type: 'string', short: 'c' } });
  if (values.help) {
    process.stdout.write(VALIDATE_HELP);
    return 0;
  }
  const configFile = configFileArgument(values.config, positionals);
  const { config, source } = loadConfig({ configFile });
  // Throws a ConfigError listing every problem; the entry point prints it and exits 2.
  await preflight(config);
  process.stdout.write(
    `Configuration OK (${source ?? 'defaults and environment'}): ${config.targets.length} target(s): ` +
      `${config.targets.map((t) => `${t.name} [${t.type}, ${t.format}]`).join(', ')}\n`,
  );
  return 0;
}
