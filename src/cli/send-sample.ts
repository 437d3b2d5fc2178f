// `snyk-siem-forwarder send-sample`: posts a correctly signed Snyk webhook to a running receiver.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { readEnvValue } from '../config/interpolate.js';
import { parseSecretList, SECRET_FILE_NAME } from '../receiver/secret-file.js';
import { signBody } from '../receiver/verify-signature.js';
import { parse, UsageError } from './args.js';
import { SAMPLE_EVENT, SAMPLE_PAYLOAD } from './sample-payload.js';

export const SEND_SAMPLE_HELP = `Usage: snyk-siem-forwarder send-sample [--url URL] [--secret S] [--file PAYLOAD.json] [--event E]

Posts a signed Snyk project_snapshot/v0 webhook (a real public sample is built in) to a running
receiver, the way Snyk does: X-Snyk-Event, X-Snyk-Transport-ID, X-Snyk-Timestamp, and
X-Hub-Signature = sha256=HMAC(secret, exact body bytes).

Options:
  --url URL        Receiver URL (default: http://127.0.0.1:<receiver.port><receiver.path> from the configuration)
  --secret S       Webhook secret (default: the first of SNYK_WEBHOOK_SECRET, else $DATA_DIR/webhook-secret)
  --file FILE      Send this file's bytes instead of the built-in sample
  --event E        X-Snyk-Event value (default: project_snapshot/v0)
  -c, --config F   Configuration to read the defaults from
  -h, --help       Show this help
`;

function defaults(configFile: string | undefined): { url: string; secret: string | undefined } {
  let port = Number(process.env.PORT ?? 8080);
  let path = '/webhooks/snyk';
  let dataDir = resolve(process.env.DATA_DIR ?? './data');
  let secret = readEnvValue(process.env, 'SNYK_WEBHOOK_SECRET').value?.split(/[,\n]/)[0]?.trim();
  try {
    const { config } = loadConfig({ configFile });
    port = config.receiver.port;
    path = config.receiver.path;
    dataDir = config.dataDir;
    secret = config.receiver.secrets[0] ?? secret;
  } catch {
    // A broken configuration should not stop a smoke test; the environment defaults above apply.
  }
  const file = join(dataDir, SECRET_FILE_NAME);
  if (!secret && existsSync(file)) secret = parseSecretList(readFileSync(file, 'utf8'))[0];
  return { url: `http://127.0.0.1:${port}${path}`, secret };
}

export async function runSendSample(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    url: { type: 'string' },
    secret: { type: 'string' },
    file: { type: 'string' },
    event: { type: 'string' },
    config: { type: 'string', short: 'c' },
  });
  if (values.help) {
    process.stdout.write(SEND_SAMPLE_HELP);
    return 0;
  }
  const fallback = defaults(values.config);
  const url = values.url ?? fallback.url;
  const secret = values.secret ?? fallback.secret;
  if (!secret)
    throw new UsageError('no secret: pass --secret, set SNYK_WEBHOOK_SECRET, or start the forwarder once');
  const body = values.file ? readFileSync(values.file) : Buffer.from(SAMPLE_PAYLOAD, 'utf8');
  const transportId = randomUUID();
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'snyk-siem-forwarder/send-sample',
      'X-Snyk-Event': values.event ?? SAMPLE_EVENT,
      'X-Snyk-Transport-ID': transportId,
      'X-Snyk-Timestamp': new Date().toISOString(),
      'X-Hub-Signature': signBody(body, secret),
    },
    body,
  });
  const text = await response.text();
  process.stdout.write(`${response.status} ${text}\ntransport id: ${transportId}\n`);
  return response.ok ? 0 : 1;
}
