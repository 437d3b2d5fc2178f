#!/usr/bin/env node
// Entry point of the snyk-siem-forwarder command: dispatches to start, validate, send-sample, dlq, queue, targets, webhooks, reconcile.
import { ConfigError, StartupError } from '../errors.js';
import { packageVersion } from '../telemetry/version.js';
import { UsageError } from './args.js';

const HELP = `Usage: snyk-siem-forwarder <command> [options]

Receives signed Snyk webhooks and forwards the findings to SIEMs as CEF, LEEF, ECS or JSON.

Commands:
  start         Run the forwarder (receiver and workers)
  validate      Check the configuration and build every target without sending
  send-sample   Post a signed sample Snyk webhook to a running receiver
  dlq           List, show, replay or purge dead letters
  queue stats   Show the jobs of every queue by state, the oldest waiting age and the dead letters
  targets test  Send one synthetic finding to each target and report OK or the failure
  targets setup Install a target's SIEM-side setup (the Elasticsearch index template)
  webhooks      Create, list, ping, delete or rotate an org's Snyk webhooks (v1 API, SNYK_TOKEN)
  reconcile     Compare Snyk's open issues (REST API) with what was forwarded; emit what is missing
  version       Print the version (also --version)

Run "snyk-siem-forwarder <command> --help" for a command's options.
`;

// Loaded on demand: `--help` and `send-sample` should not pay for loading the queue and HTTP stacks.
const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  start: async (argv) => (await import('./start.js')).runStart(argv),
  validate: async (argv) => (await import('./validate.js')).runValidate(argv),
  'send-sample': async (argv) => (await import('./send-sample.js')).runSendSample(argv),
  dlq: async (argv) => (await import('./dlq.js')).runDlq(argv),
  targets: async (argv) =>
    argv[0] === 'setup'
      ? (await import('./targets-setup.js')).runTargetsSetup(argv)
      : (await import('./targets-test.js')).runTargets(argv),
  queue: async (argv) => (await import('./queue-stats.js')).runQueue(argv),
  webhooks: async (argv) => (await import('./webhooks.js')).runWebhooks(argv),
  reconcile: async (argv) => (await import('./reconcile.js')).runReconcile(argv),
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`Unknown command "${command}".\n\n${HELP}`);
    return 2;
  }
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; a handle left open by a library must not keep a stopped daemon alive.
    setTimeout(() => process.exit(code), 3000).unref();
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 2;
    } else if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\nRun with --help for usage.\n`);
      process.exitCode = 2;
    } else if (error instanceof StartupError) {
      process.stderr.write(`snyk-siem-forwarder: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`snyk-siem-forwarder: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
    setTimeout(() => process.exit(), 3000).unref();
  },
);
