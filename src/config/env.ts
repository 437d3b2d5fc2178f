// The environment-variable contract: each variable, the config key it sets, its default and its meaning.

export interface EnvVariable {
  name: string;
  /** Dotted config path it overrides; undefined for variables that only steer loading. */
  path: string | undefined;
  default: string;
  description: string;
  secret: boolean;
  parse: 'string' | 'int' | 'list';
  /**
   * Setting the variable to `default` behaves exactly like leaving it unset, so .env.example can set it as is.
   * False for variables without a usable default value and for FORWARDER_CONFIG, which, once set, must name a file
   * that exists: .env.example shows those as comments, so that the file as shipped starts the daemon.
   */
  defaultIsImplicit: boolean;
}

/** Environment variables win over the YAML file. Each secret can also be read from the file named by `<NAME>_FILE`. */
export const ENV_VARIABLES: readonly EnvVariable[] = [
  {
    name: 'SNYK_WEBHOOK_SECRET',
    path: 'receiver.secrets',
    default: '',
    description:
      'Webhook secrets, comma-separated; all are accepted (rotation). Empty: start generates one in $DATA_DIR/webhook-secret.',
    secret: true,
    parse: 'list',
    defaultIsImplicit: false,
  },
  {
    name: 'REDIS_URL',
    path: 'redis.url',
    default: '',
    description:
      'redis:// or rediss:// URL of the queue; empty: start runs an embedded redis-server under $DATA_DIR/redis.',
    secret: true,
    parse: 'string',
    defaultIsImplicit: false,
  },
  {
    name: 'REDIS_CLUSTER_NODES',
    path: 'redis.cluster.nodes',
    default: '',
    description:
      'Redis Cluster instead of REDIS_URL: some of its nodes, comma-separated host:port; needs a hash-tag REDIS_PREFIX.',
    secret: false,
    parse: 'list',
    defaultIsImplicit: true,
  },
  {
    name: 'REDIS_SENTINELS',
    path: 'redis.sentinels',
    default: '',
    description: 'Redis Sentinel instead of REDIS_URL: the sentinels, comma-separated host:port.',
    secret: false,
    parse: 'list',
    defaultIsImplicit: true,
  },
  {
    name: 'REDIS_SENTINEL_NAME',
    path: 'redis.name',
    default: '',
    description: 'The master group name the sentinels monitor (with REDIS_SENTINELS).',
    secret: false,
    parse: 'string',
    defaultIsImplicit: true,
  },
  {
    name: 'REDIS_PASSWORD',
    path: 'redis.password',
    default: '',
    description: 'Password of the Cluster nodes, or of the master behind Sentinel (a URL carries its own).',
    secret: true,
    parse: 'string',
    defaultIsImplicit: false,
  },
  {
    name: 'REDIS_PREFIX',
    path: 'redis.prefix',
    default: 'snyk-siem',
    description: 'Prefix of every queue key; on Redis Cluster a hash tag such as {snyk-siem}.',
    secret: false,
    parse: 'string',
    // Set, it would override a prefix of the YAML file: a comment in .env.example.
    defaultIsImplicit: false,
  },
  {
    name: 'DATA_DIR',
    path: 'dataDir',
    default: './data',
    description:
      'Directory for the embedded Redis, the generated webhook secret and the default output file.',
    secret: false,
    parse: 'string',
    defaultIsImplicit: true,
  },
  {
    name: 'HOST',
    path: 'receiver.host',
    default: '0.0.0.0',
    description: 'Address the webhook receiver listens on.',
    secret: false,
    parse: 'string',
    defaultIsImplicit: true,
  },
  {
    name: 'PORT',
    path: 'receiver.port',
    default: '8080',
    description: 'Port the webhook receiver listens on.',
    secret: false,
    parse: 'int',
    defaultIsImplicit: true,
  },
  {
    name: 'ADMIN_HOST',
    path: 'admin.host',
    default: '127.0.0.1',
    description: 'Address the admin listener (/metrics, /healthz, /readyz, /admin/queues) listens on.',
    secret: false,
    parse: 'string',
    defaultIsImplicit: true,
  },
  {
    name: 'ADMIN_PORT',
    path: 'admin.port',
    default: '9464',
    description: 'Port the admin listener listens on.',
    secret: false,
    parse: 'int',
    defaultIsImplicit: true,
  },
  {
    name: 'ADMIN_TOKEN',
    path: 'admin.token',
    default: '',
    description:
      'Bearer token of the queue dashboard at /admin/queues (at least 16 characters); empty: the dashboard is off.',
    secret: true,
    parse: 'string',
    defaultIsImplicit: false,
  },
  {
    name: 'LOG_LEVEL',
    path: 'log.level',
    default: 'info',
    description: 'Log level: error, warn, info or debug.',
    secret: false,
    parse: 'string',
    defaultIsImplicit: true,
  },
  {
    name: 'SNYK_TOKEN',
    path: 'snyk.token',
    default: '',
    description:
      'Snyk API token (Authorization: token …) for `webhooks` commands and the heartbeat; a service account token is best.',
    secret: true,
    parse: 'string',
    defaultIsImplicit: false,
  },
  {
    name: 'SNYK_API_URL',
    path: 'snyk.apiUrl',
    default: 'https://api.snyk.io',
    description:
      "Snyk's API host of your region (https://api.eu.snyk.io, https://api.au.snyk.io, https://api.us.snyk.io) or the region's name.",
    secret: false,
    parse: 'string',
    defaultIsImplicit: true,
  },
  {
    name: 'FORWARDER_CONFIG',
    path: undefined,
    default: './forwarder.yaml',
    description:
      'YAML configuration file; once set, it must exist. Unset: ./forwarder.yaml is read when present. --config wins over it.',
    secret: false,
    parse: 'string',
    defaultIsImplicit: false,
  },
];

/**
 * Renders .env.example; a test fails when the committed file drifts from this. Every line that is not a comment
 * works as shipped (a test starts `validate` with exactly this environment); optional variables are comments to
 * uncomment and fill in.
 */
export function renderEnvExample(): string {
  const lines = [
    '# Environment variables of snyk-siem-forwarder (generated from src/config/env.ts by `npm run gen:env-example`).',
    '# They override the YAML file. A secret can instead be read from a file: set <NAME>_FILE to its path.',
    '# As shipped this file starts the forwarder on its defaults; uncomment a line to set that variable.',
    '',
  ];
  for (const variable of ENV_VARIABLES) {
    lines.push(`# ${variable.description}`);
    if (variable.secret) lines.push(`# ${variable.name}_FILE=`);
    const line = `${variable.name}=${variable.default}`;
    lines.push(variable.defaultIsImplicit ? line : `# ${line}`, '');
  }
  return lines.join('\n');
}
