// Renders every kustomization under deploy/kubernetes/ with kubectl and checks that the manifests agree with the code:
// ports, probe paths, environment and Secret keys, the configuration file, and the exact Redis keys and metric names
// KEDA reads, built with the functions the daemon uses and checked against a real Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, QueueKeys, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Context } from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { START_HELP } from '../../src/cli/start.js';
import { ENV_VARIABLES } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { answerProbe, type ProbeSources } from '../../src/lifecycle/probe-answers.js';
import { INGEST_QUEUE, queuePrefix, targetQueueName } from '../../src/queue/names.js';
import { QUEUE_STATES, readQueueStats } from '../../src/queue/queue-stats.js';
import { inspectRedis } from '../../src/redis/check.js';
import { METRIC_PREFIX, METRICS } from '../../src/telemetry/metrics.js';
import { freePort } from '../helpers/free-port.js';
import { useTestRedis } from '../helpers/redis-server.js';
import { parseStages } from './dockerfile-instructions.js';
import {
  containerPort,
  find,
  ofKind,
  renderKustomization,
  selects,
  type Container,
  type Manifest,
  type NetworkPolicyRule,
  type PodSpec,
} from './rendered-manifests.js';
import { longestStopMs } from './stop-bound.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const k8sDir = join(root, 'deploy/kubernetes');
const KUSTOMIZATIONS = [
  'base',
  ...readdirSync(join(k8sDir, 'overlays'))
    .filter((name) => existsSync(join(k8sDir, 'overlays', name, 'kustomization.yaml')))
    .map((name) => `overlays/${name}`),
];
const OVERLAYS = KUSTOMIZATIONS.filter((name) => name !== 'base');
const ROLES = ['receiver', 'worker'] as const;
type Role = (typeof ROLES)[number];

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
const secretExample = parseYaml(readFileSync(join(k8sDir, 'secret.example.yaml'), 'utf8')) as {
  metadata: { name: string; namespace: string };
  stringData: Record<string, string>;
};
const deploymentDoc = readFileSync(join(root, 'docs/deployment.md'), 'utf8');
const imageUser = (
  parseStages(readFileSync(join(root, 'deploy/docker/Dockerfile'), 'utf8'))
    .at(-1)
    ?.instructions.filter((i) => i.keyword === 'USER')
    .at(-1)?.args ?? ''
).split(':')[0];

/** Namespaces the network policies let in: the ingress controller's and Prometheus's (docs/deployment.md). */
const INGRESS_NAMESPACE = 'ingress-nginx';
const MONITORING_NAMESPACE = 'monitoring';

const sandbox = mkdtempSync(join(tmpdir(), 'ssf-k8s-'));
afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

const rendered = new Map<string, Manifest[]>();
beforeAll(async () => {
  for (const name of KUSTOMIZATIONS) rendered.set(name, await renderKustomization(join(k8sDir, name)));
}, 120_000);

function manifestsOf(kustomization: string): Manifest[] {
  const manifests = rendered.get(kustomization);
  if (!manifests) throw new Error(`${kustomization} was not rendered`);
  return manifests;
}

function deployment(manifests: readonly Manifest[], role: Role): Manifest {
  return find(manifests, 'Deployment', `snyk-siem-${role}`);
}

function podOf(workload: Manifest): { spec: PodSpec; labels: Record<string, string>; container: Container } {
  const template = workload.spec?.template;
  if (!template) throw new Error(`${workload.kind}/${workload.metadata.name} has no pod template`);
  expect(template.spec.containers).toHaveLength(1);
  return {
    spec: template.spec,
    labels: template.metadata.labels,
    container: template.spec.containers[0] as Container,
  };
}

function envValue(container: Container, name: string): string | undefined {
  return container.env?.find((variable) => variable.name === name)?.value;
}

/** The names a forwarder.yaml reads as ${NAME}: in its string values, as src/config/interpolate.ts does. */
function interpolatedNames(yamlText: string): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (typeof node === 'string') {
      for (const match of node.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g))
        names.add(match[1] as string);
    } else if (node !== null && typeof node === 'object') Object.values(node).forEach(visit);
  };
  visit(parseYaml(yamlText));
  return names;
}

interface PodConfig {
  config: Readonly<Config>;
  /** The ConfigMap's forwarder.yaml as the pod reads it. */
  yamlText: string;
  container: Container;
  spec: PodSpec;
  labels: Record<string, string>;
}

/**
 * Loads the configuration the way the pod would: the file FORWARDER_CONFIG names, from the ConfigMap mounted there,
 * with exactly the container's environment, and the Secret's files (the example's values) where the pod mounts them.
 */
function loadPodConfig(kustomization: string, role: Role): PodConfig {
  const manifests = manifestsOf(kustomization);
  const { spec, labels, container } = podOf(deployment(manifests, role));
  const dir = mkdtempSync(join(sandbox, `${kustomization.replace(/\W/g, '-')}-${role}-`));
  const volumes = new Map((spec.volumes ?? []).map((volume) => [volume.name, volume]));
  const remap: Array<[string, string]> = [];
  let configFile: string | undefined;
  let yamlText = '';
  const configPath = envValue(container, 'FORWARDER_CONFIG');
  expect(configPath, 'FORWARDER_CONFIG names the configuration file').toBeDefined();
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.get(mount.name);
    expect(volume, `volume ${mount.name}`).toBeDefined();
    const local = join(dir, mount.name);
    mkdirSync(local, { recursive: true });
    remap.push([mount.mountPath, local]);
    if (volume?.configMap) {
      const configMap = find(manifests, 'ConfigMap', volume.configMap.name);
      if (posix.dirname(configPath as string) === mount.mountPath) {
        yamlText = configMap.data?.[posix.basename(configPath as string)] ?? '';
        expect(yamlText, `ConfigMap ${configMap.metadata.name} holds ${configPath}`).not.toBe('');
        configFile = join(local, posix.basename(configPath as string));
      }
    }
    if (volume?.secret) {
      expect(volume.secret.secretName).toBe(secretExample.metadata.name);
      // Explicit items: each pod gets the keys it needs, and a missing key stops the pod instead of a file vanishing.
      expect(volume.secret.items?.length, `secret volume ${mount.name} lists its keys`).toBeGreaterThan(0);
      for (const item of volume.secret.items ?? []) {
        const value = secretExample.stringData[item.key];
        expect(value, `secret.example.yaml has the key ${item.key}`).toBeDefined();
        writeFileSync(join(local, item.path), value as string);
      }
    }
  }
  // One pass, longest mount path first: the sandbox's own path may hold a mount path such as /tmp.
  const byLength = [...remap].sort(([a], [b]) => b.length - a.length);
  const pattern = new RegExp(
    `(${byLength.map(([path]) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})/`,
    'g',
  );
  const local = new Map(remap);
  const toLocal = (text: string) =>
    text.replace(pattern, (_, mountPath: string) => `${local.get(mountPath)}/`);
  writeFileSync(configFile as string, toLocal(yamlText));
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    // Secrets reach the forwarder as files (<NAME>_FILE), never as values in the pod's environment.
    expect(variable.valueFrom, `${variable.name} has a plain value`).toBeUndefined();
    env[variable.name] = toLocal(variable.value ?? '');
  }
  const { config } = loadConfig({ configFile: configFile as string, env, cwd: dir });
  // Every file the configuration names below a mount (a TLS CA, for example) is one the pod mounts.
  const named = JSON.stringify(config.targets)
    .match(/"\/[^"]+"/g)
    ?.map((quoted) => JSON.parse(quoted) as string)
    .filter((path) => path.startsWith(dir));
  for (const path of named ?? []) expect(existsSync(path), `${path} is mounted`).toBe(true);
  return { config, yamlText, container, spec, labels };
}

/** Queues a worker takes from, each with the jobs one worker runs at once (what KEDA's per-replica target is). */
function queuesOf(config: Readonly<Config>): Array<{ queue: string; label: string; concurrency: number }> {
  return [
    { queue: INGEST_QUEUE, label: INGEST_QUEUE, concurrency: config.workers.ingestConcurrency },
    ...config.targets.map((target) => ({
      queue: targetQueueName(target.name),
      label: target.name,
      concurrency: target.concurrency,
    })),
  ];
}

function bytes(quantity: string | undefined): number {
  const match = /^(\d+)(Ki|Mi|Gi)?$/.exec(quantity ?? '');
  if (!match) throw new Error(`not a memory quantity: ${quantity}`);
  const units: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };
  return Number(match[1]) * (match[2] ? (units[match[2]] as number) : 1);
}

/** The rules of the policies that select these pod labels. */
function policyRules(
  manifests: readonly Manifest[],
  labels: Record<string, string>,
  direction: 'ingress' | 'egress',
) {
  const policies = ofKind(manifests, 'NetworkPolicy').filter((policy) =>
    selects(policy.spec?.podSelector, labels),
  );
  return {
    policies,
    rules: policies.flatMap((policy) => (policy.spec?.[direction] ?? []) as NetworkPolicyRule[]),
  };
}

function allowsPort(rule: NetworkPolicyRule, port: number): boolean {
  // A rule without ports allows every port.
  return rule.ports === undefined || rule.ports.some((p) => p.port === port);
}

function onlyFromNamespace(rule: NetworkPolicyRule, namespace: string): boolean {
  return (
    (rule.from ?? []).length > 0 &&
    (rule.from ?? []).every(
      (peer) =>
        peer.ipBlock === undefined &&
        peer.podSelector === undefined &&
        peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === namespace,
    )
  );
}

function probeContext(path: string): Context {
  return { method: 'GET', path, status: 404, body: undefined } as unknown as Context;
}

/** How the code answers GET `path` when the process is alive but not ready, and when it is ready but not alive. */
async function probeMeaning(path: string): Promise<'liveness' | 'readiness' | 'none'> {
  const notReady: ProbeSources = {
    health: () => ({ ok: true }),
    readiness: () => Promise.resolve({ ready: false, checks: [{ name: 'redis', ok: false }] }),
  };
  const notAlive: ProbeSources = {
    health: () => ({ ok: false, reason: 'embedded redis-server is gone' }),
    readiness: () => Promise.resolve({ ready: true, checks: [] }),
  };
  const first = probeContext(path);
  const second = probeContext(path);
  if (!(await answerProbe(first, notReady)) || !(await answerProbe(second, notAlive))) return 'none';
  if (first.status === 200 && second.status === 503) return 'liveness';
  if (first.status === 503 && second.status === 200) return 'readiness';
  return 'none';
}

describe('kubectl kustomize', () => {
  it('renders the base and every overlay without a warning', () => {
    expect(OVERLAYS).toEqual(expect.arrayContaining(['overlays/in-cluster-redis', 'overlays/managed-redis']));
    for (const name of KUSTOMIZATIONS) {
      const kinds = manifestsOf(name).map((m) => m.kind);
      expect(kinds, name).toEqual(
        expect.arrayContaining(['Deployment', 'Service', 'Ingress', 'NetworkPolicy', 'PodDisruptionBudget']),
      );
    }
  });
});

describe.each(KUSTOMIZATIONS)('deploy/kubernetes/%s', (kustomization) => {
  it("runs a receiver and a worker Deployment with the image's entry point and the package's version", () => {
    for (const role of ROLES) {
      const { container } = podOf(deployment(manifestsOf(kustomization), role));
      // No command: the image's entry point (tini, node, the package's bin) stays in charge of signals.
      expect(container.command).toBeUndefined();
      expect(container.args).toEqual(['start', '--role', role]);
      expect(START_HELP).toContain(`--role all|receiver|worker`);
      expect(container.image).toBe(`${pkg.name}:${pkg.version}`);
    }
  });

  it('loads forwarder.yaml from the ConfigMap with exactly the environment and Secret files of each pod', () => {
    const [receiver, worker] = ROLES.map((role) => loadPodConfig(kustomization, role));
    // One configuration for both roles: the same ConfigMap, the same targets and prefix.
    expect(receiver?.yamlText).toBe(worker?.yamlText);
    expect(receiver?.config.targets.map((t) => t.name)).toEqual(worker?.config.targets.map((t) => t.name));
    expect(receiver?.config.redis.url).toBe(secretExample.stringData['redis-url']);
    expect(receiver?.config.receiver.secrets).toEqual([secretExample.stringData['webhook-secret']]);
  });

  it('names only environment variables the forwarder reads, secrets through <NAME>_FILE', () => {
    for (const role of ROLES) {
      const { container, yamlText } = loadPodConfig(kustomization, role);
      const interpolated = interpolatedNames(yamlText);
      for (const { name } of container.env ?? []) {
        const base = name.replace(/_FILE$/, '');
        const known = ENV_VARIABLES.find((variable) => variable.name === base);
        expect(
          known !== undefined || interpolated.has(base),
          `${name}: read by neither env.ts nor forwarder.yaml`,
        ).toBe(true);
        if (name.endsWith('_FILE') && known) expect(known.secret, `${base} is read from a file`).toBe(true);
      }
      // And each ${NAME} of forwarder.yaml is set for the pod (loadPodConfig would have failed otherwise).
      for (const name of interpolated) {
        expect(
          container.env?.some((variable) => variable.name === name || variable.name === `${name}_FILE`),
        ).toBe(true);
      }
    }
  });

  it('listens where the probes, the Services and the Ingress send traffic', async () => {
    const manifests = manifestsOf(kustomization);
    const pods = Object.fromEntries(
      ROLES.map((role) => [role, loadPodConfig(kustomization, role)]),
    ) as Record<Role, PodConfig>;
    for (const role of ROLES) {
      const { config, container } = pods[role];
      // The kubelet probes from outside the pod: the admin listener must not be on loopback only.
      expect(config.admin.host).toBe('0.0.0.0');
      expect(containerPort(container, 'admin')).toBe(config.admin.port);
      const probes = {
        startup: container.startupProbe,
        readiness: container.readinessProbe,
        liveness: container.livenessProbe,
      };
      for (const [kind, probe] of Object.entries(probes)) {
        expect(probe?.httpGet, `${role} ${kind} probe`).toBeDefined();
        expect(containerPort(container, probe?.httpGet?.port ?? '')).toBe(config.admin.port);
        expect(await probeMeaning(probe?.httpGet?.path ?? '')).toBe(
          kind === 'readiness' ? 'readiness' : 'liveness',
        );
      }
    }
    const receiver = pods.receiver;
    expect(containerPort(receiver.container, 'http')).toBe(receiver.config.receiver.port);
    expect(containerPort(pods.worker.container, 'http')).toBeUndefined();

    const webService = find(manifests, 'Service', 'snyk-siem-receiver');
    expect(selects(webService.spec?.selector, receiver.labels)).toBe(true);
    expect(selects(webService.spec?.selector, pods.worker.labels)).toBe(false);
    const adminService = find(manifests, 'Service', 'snyk-siem-forwarder-admin');
    expect(adminService.spec?.type).toBe('ClusterIP');
    for (const role of ROLES) {
      expect(selects(adminService.spec?.selector, pods[role].labels)).toBe(true);
      expect(containerPort(pods[role].container, adminService.spec?.ports?.[0]?.targetPort ?? '')).toBe(
        pods[role].config.admin.port,
      );
    }

    const ingresses = ofKind(manifests, 'Ingress');
    expect(ingresses).toHaveLength(1);
    const ingress = ingresses[0] as Manifest;
    expect(ingress.spec?.tls?.length).toBeGreaterThan(0);
    const paths = (ingress.spec?.rules ?? []).flatMap((rule) => rule.http.paths);
    expect(paths.map((p) => p.path)).toEqual([receiver.config.receiver.path]);
    for (const { backend } of paths) {
      // Only the receivers' webhook port: never the admin Service, never a port that reaches the admin listener.
      expect(backend.service.name).toBe(webService.metadata.name);
      const servicePort = webService.spec?.ports?.find(
        (port) => port.name === backend.service.port.name || port.port === backend.service.port.number,
      );
      expect(containerPort(receiver.container, servicePort?.targetPort ?? '')).toBe(
        receiver.config.receiver.port,
      );
    }
    // ingress-nginx counts proxy-body-size in MiB with the suffix m; the receiver answers 413 itself past its limit.
    const bodySize = /^(\d+)m$/.exec(
      ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-body-size'] ?? '',
    );
    expect(Number(bodySize?.[1]) * 1024 * 1024).toBeGreaterThanOrEqual(receiver.config.receiver.maxBodyBytes);
  });

  it('lets webhooks in from the ingress controller only, /metrics from Prometheus only, and DNS out', () => {
    const manifests = manifestsOf(kustomization);
    for (const role of ROLES) {
      const { config, labels } = loadPodConfig(kustomization, role);
      const ingress = policyRules(manifests, labels, 'ingress');
      expect(
        ingress.policies.some((p) => p.spec?.policyTypes?.includes('Ingress')),
        `${role}: ingress isolated`,
      ).toBe(true);
      expect(
        ingress.policies.some((p) => p.spec?.policyTypes?.includes('Egress')),
        `${role}: egress isolated`,
      ).toBe(true);
      const toAdmin = ingress.rules.filter((rule) => allowsPort(rule, config.admin.port));
      expect(toAdmin.length).toBeGreaterThan(0);
      for (const rule of toAdmin) expect(onlyFromNamespace(rule, MONITORING_NAMESPACE)).toBe(true);
      const toWebhook = ingress.rules.filter((rule) => allowsPort(rule, config.receiver.port));
      if (role === 'receiver') {
        expect(toWebhook.length).toBeGreaterThan(0);
        for (const rule of toWebhook) expect(onlyFromNamespace(rule, INGRESS_NAMESPACE)).toBe(true);
      } else {
        expect(toWebhook).toEqual([]);
      }
      const egress = policyRules(manifests, labels, 'egress').rules;
      expect(egress.some((rule) => allowsPort(rule, 53))).toBe(true);
    }
  });

  it('gives each pod longer to stop than the daemon can take, with its configuration', () => {
    for (const role of ROLES) {
      const { config, container, spec } = loadPodConfig(kustomization, role);
      const preStop = container.lifecycle?.preStop;
      const sleep = preStop?.exec?.command;
      const preStopMs = 1000 * (preStop?.sleep?.seconds ?? (sleep?.[0] === 'sleep' ? Number(sleep[1]) : 0));
      expect(Number.isFinite(preStopMs)).toBe(true);
      expect((spec.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThanOrEqual(
        longestStopMs(config, preStopMs),
      );
    }
  });

  it('runs as the image user, not root, on a read-only root filesystem, with resource requests', () => {
    for (const role of ROLES) {
      const { spec, container } = podOf(deployment(manifestsOf(kustomization), role));
      expect(spec.securityContext?.runAsNonRoot).toBe(true);
      expect(String(spec.securityContext?.runAsUser)).toBe(imageUser);
      expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
      expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
      expect(container.resources?.requests?.cpu).toMatch(/^\d+m?$/);
      expect(bytes(container.resources?.limits?.memory)).toBeGreaterThanOrEqual(
        bytes(container.resources?.requests?.memory),
      );
    }
  });

  it('has a PodDisruptionBudget for each Deployment and a CPU autoscaler for the receivers', () => {
    const manifests = manifestsOf(kustomization);
    const budgets = ofKind(manifests, 'PodDisruptionBudget');
    for (const role of ROLES) {
      const { labels } = podOf(deployment(manifests, role));
      expect(budgets.filter((budget) => selects(budget.spec?.selector, labels))).toHaveLength(1);
    }
    const hpa = find(manifests, 'HorizontalPodAutoscaler', 'snyk-siem-receiver');
    expect(hpa.spec?.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'snyk-siem-receiver' });
    expect(hpa.spec?.metrics?.map((m) => m.resource?.name)).toEqual(['cpu']);
    expect(hpa.spec?.minReplicas).toBeGreaterThanOrEqual(2);
  });
});

describe('the Secret', () => {
  /** Every key of the Secret that a rendered object reads: volume items, secretKeyRef, KEDA's secretTargetRef. */
  function referencedKeys(manifests: readonly Manifest[]): Set<string> {
    const keys = new Set<string>();
    for (const manifest of manifests) {
      const pod = manifest.spec?.template?.spec;
      for (const volume of pod?.volumes ?? []) {
        if (volume.secret?.secretName === secretExample.metadata.name)
          for (const item of volume.secret.items ?? []) keys.add(item.key);
      }
      for (const container of pod?.containers ?? []) {
        for (const variable of container.env ?? []) {
          const ref = variable.valueFrom?.secretKeyRef;
          if (ref) {
            expect(ref.name).toBe(secretExample.metadata.name);
            keys.add(ref.key);
          }
        }
      }
      for (const ref of manifest.spec?.secretTargetRef ?? []) {
        expect(ref.name).toBe(secretExample.metadata.name);
        keys.add(ref.key);
      }
    }
    return keys;
  }

  it('secret.example.yaml has every key a manifest reads, and no other; docs/deployment.md explains each', () => {
    const all = new Set<string>();
    for (const name of KUSTOMIZATIONS) {
      for (const key of referencedKeys(manifestsOf(name))) {
        expect(Object.keys(secretExample.stringData), `${name} reads ${key}`).toContain(key);
        all.add(key);
      }
    }
    expect([...all].sort()).toEqual(Object.keys(secretExample.stringData).sort());
    for (const key of all)
      expect(deploymentDoc, `docs/deployment.md explains ${key}`).toContain(`\`${key}\``);
    // The example goes into the namespace the overlays deploy to.
    for (const name of OVERLAYS) {
      expect(find(manifestsOf(name), 'Deployment', 'snyk-siem-worker').metadata.namespace).toBe(
        secretExample.metadata.namespace,
      );
    }
  });
});

describe('deploy/kubernetes/overlays/in-cluster-redis: the Redis StatefulSet', () => {
  const kustomization = 'overlays/in-cluster-redis';
  let server: ChildProcess | undefined;
  afterAll(() => {
    server?.kill('SIGKILL');
  });

  function redisParts() {
    const manifests = manifestsOf(kustomization);
    const statefulSet = find(manifests, 'StatefulSet', 'snyk-siem-redis');
    const { container, spec, labels } = podOf(statefulSet);
    const configVolume = spec.volumes?.find((volume) => volume.configMap !== undefined);
    const configMount = container.volumeMounts?.find((mount) => mount.name === configVolume?.name);
    const configMap = find(manifests, 'ConfigMap', configVolume?.configMap?.name ?? '');
    const confFile = container.command?.find((arg) => arg.startsWith(`${configMount?.mountPath}/`)) ?? '';
    const conf = configMap.data?.[posix.basename(confFile)] ?? '';
    const setting = (name: string) => new RegExp(`^${name} (.*)$`, 'm').exec(conf)?.[1];
    const service = ofKind(manifests, 'Service').find((s) => selects(s.spec?.selector, labels));
    return { manifests, statefulSet, container, labels, conf, setting, service };
  }

  it('keeps its data on the persistent volume and reads the password from the Secret', () => {
    const { statefulSet, container, setting } = redisParts();
    const claim = statefulSet.spec?.volumeClaimTemplates?.[0]?.metadata.name;
    const dataMount = container.volumeMounts?.find((mount) => mount.name === claim);
    expect(dataMount?.mountPath).toBe(setting('dir'));
    const password = container.env?.find((variable) => variable.name === 'REDIS_PASSWORD');
    expect(password?.valueFrom?.secretKeyRef).toEqual({
      name: secretExample.metadata.name,
      key: 'redis-password',
    });
    expect(container.command?.join(' ')).toContain('--requirepass $(REDIS_PASSWORD)');
  });

  it("the forwarder's Redis URL in the example names this Redis: its Service, port and password", () => {
    const { service, setting } = redisParts();
    const url = new URL(secretExample.stringData['redis-url'] as string);
    expect(url.hostname).toBe(service?.metadata.name);
    expect(Number(url.port)).toBe(service?.spec?.ports?.[0]?.port);
    expect(Number(setting('port'))).toBe(service?.spec?.ports?.[0]?.port);
    expect(decodeURIComponent(url.password)).toBe(secretExample.stringData['redis-password']);
  });

  it('admits only the forwarder and KEDA, and the forwarder may reach it', () => {
    const { manifests, labels, setting } = redisParts();
    const port = Number(setting('port'));
    const rules = policyRules(manifests, labels, 'ingress').rules.filter((rule) => allowsPort(rule, port));
    const peers = rules.flatMap((rule) => rule.from ?? []);
    expect(peers).toEqual([
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'snyk-siem-forwarder' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } } },
    ]);
    for (const role of ROLES) {
      const { labels: podLabels } = podOf(deployment(manifests, role));
      const egress = policyRules(manifests, podLabels, 'egress').rules;
      expect(
        egress.some(
          (rule) =>
            allowsPort(rule, port) && (rule.to ?? []).some((peer) => selects(peer.podSelector, labels)),
        ),
      ).toBe(true);
    }
  });

  it('runs with an append-only file flushed every second and noeviction, as the forwarder checks at start', async () => {
    const { conf, setting } = redisParts();
    expect(setting('appendfsync')).toBe('everysec');
    const dir = mkdtempSync(join(sandbox, 'redis-'));
    const port = await freePort();
    const password = 'a-test-password-0123456789';
    // The file as shipped, with this machine's directory and a free loopback port (`dir` changes directory as it is read).
    const confFile = join(dir, 'redis.conf');
    writeFileSync(confFile, conf.replace(/^dir .*$/m, `dir ${dir}`).replace(/^port .*$/m, `port ${port}`));
    server = spawn('redis-server', [confFile, '--bind', '127.0.0.1', '--requirepass', password], {
      stdio: 'ignore',
    });
    const client = new Redis({
      host: '127.0.0.1',
      port,
      password,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    client.on('error', () => undefined);
    try {
      const deadline = Date.now() + 15_000;
      for (;;) {
        try {
          await client.connect();
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          client.disconnect();
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      const report = await inspectRedis(client);
      expect(report).toMatchObject({ maxmemoryPolicy: 'noeviction', aofEnabled: true });
      expect(await client.config('GET', 'appendfsync')).toEqual(['appendfsync', 'everysec']);
    } finally {
      client.disconnect();
      server.kill('SIGTERM');
    }
  });
});

describe('KEDA scales the workers on the queues the daemon fills', () => {
  const testRedis = useTestRedis();

  function scaledObject(kustomization: string) {
    const manifests = manifestsOf(kustomization);
    const scaler = find(manifests, 'ScaledObject', 'snyk-siem-worker');
    return { manifests, scaler, triggers: scaler.spec?.triggers ?? [] };
  }

  it.each(OVERLAYS)('%s: a ScaledObject for the workers only, never below two', (kustomization) => {
    const { manifests, scaler, triggers } = scaledObject(kustomization);
    expect(scaler.spec?.scaleTargetRef?.name).toBe(deployment(manifests, 'worker').metadata.name);
    expect(scaler.spec?.minReplicaCount).toBeGreaterThanOrEqual(2);
    expect(triggers.length).toBeGreaterThan(0);
    // Never an HPA of its own beside KEDA's for the workers: two autoscalers would fight.
    expect(
      ofKind(manifests, 'HorizontalPodAutoscaler').map((hpa) => hpa.spec?.scaleTargetRef?.name),
    ).not.toContain(deployment(manifests, 'worker').metadata.name);
  });

  it.each(OVERLAYS)(
    '%s: each trigger reads a queue of the configuration, by the name the code gives it',
    (kustomization) => {
      const { config } = loadPodConfig(kustomization, 'worker');
      const queues = queuesOf(config);
      const { manifests, triggers } = scaledObject(kustomization);
      const redisTriggers = triggers.filter((t) => t.type === 'redis');
      const promTriggers = triggers.filter((t) => t.type === 'prometheus');
      expect(redisTriggers.length + promTriggers.length).toBe(triggers.length);
      if (redisTriggers.length > 0) {
        // The lists BullMQ keeps waiting and active jobs in, named by its own key builder with each queue's prefix.
        const expected = queues.flatMap(({ queue, concurrency }) =>
          ['wait', 'active'].map((state) => ({
            listName: new QueueKeys(queuePrefix(config.redis.prefix, queue)).toKey(queue, state),
            listLength: String(concurrency),
          })),
        );
        expect(
          redisTriggers.map((t) => ({ listName: t.metadata.listName, listLength: t.metadata.listLength })),
        ).toEqual(expect.arrayContaining(expected));
        expect(redisTriggers).toHaveLength(expected.length);
        // The address of the Redis the forwarder uses, as KEDA's operator resolves it from its own namespace.
        const url = new URL(secretExample.stringData['redis-url'] as string);
        const service = find(manifests, 'Service', url.hostname);
        for (const trigger of redisTriggers) {
          expect(trigger.metadata.address).toBe(
            `${service.metadata.name}.${service.metadata.namespace}.svc:${service.spec?.ports?.[0]?.port}`,
          );
          expect(trigger.metadata.databaseIndex).toBe(url.pathname.replace(/^\//, '') || '0');
          const auth = find(manifests, 'TriggerAuthentication', trigger.authenticationRef?.name ?? '');
          expect(auth.spec?.secretTargetRef).toEqual([
            { parameter: 'password', name: secretExample.metadata.name, key: 'redis-password' },
          ]);
        }
      }
      if (promTriggers.length > 0) {
        const metric = `${METRIC_PREFIX}queue_jobs`;
        expect(METRICS.queue_jobs.labels).toEqual(['queue', 'state']);
        const read = promTriggers.map((trigger) => {
          // Every process exports the same queue gauges: max over processes, then the states added up.
          const match = /^sum\(max by \(state\) \((\w+)\{queue="([^"]+)",state=~"([^"]+)"\}\)\)$/.exec(
            trigger.metadata.query ?? '',
          );
          expect(match, `query of trigger ${trigger.name}: ${trigger.metadata.query}`).not.toBeNull();
          expect(match?.[1]).toBe(metric);
          const states = (match?.[3] ?? '').split('|');
          for (const state of states) expect(QUEUE_STATES).toContain(state);
          expect(states.sort()).toEqual(['active', 'waiting']);
          return { label: match?.[2], threshold: trigger.metadata.threshold };
        });
        expect(read).toEqual(
          expect.arrayContaining(
            queues.map(({ label, concurrency }) => ({ label, threshold: String(concurrency) })),
          ),
        );
        expect(read).toHaveLength(queues.length);
      }
    },
  );

  it.each(OVERLAYS)('%s: the keys and series it reads hold the jobs BullMQ queued', async (kustomization) => {
    const { config } = loadPodConfig(kustomization, 'worker');
    const queues = queuesOf(config);
    const connection = { host: '127.0.0.1', port: testRedis.redis.port, maxRetriesPerRequest: null };
    const client = new Redis(connection);
    const opened: Array<{ close(): Promise<void> }> = [];
    try {
      await client.flushall();
      // One job in each queue, then a worker takes the one of the last queue: it is active there.
      for (const { queue } of queues) {
        const producer = new Queue(queue, { connection, prefix: queuePrefix(config.redis.prefix, queue) });
        opened.push(producer);
        await producer.add('job', { kustomization });
      }
      const taken = queues.at(-1)?.queue as string;
      const worker = new Worker(taken, null, { connection, prefix: queuePrefix(config.redis.prefix, taken) });
      opened.push(worker);
      expect(await worker.getNextJob('deploy-test-token')).toBeDefined();

      const { triggers } = scaledObject(kustomization);
      for (const trigger of triggers.filter((t) => t.type === 'redis')) {
        const listName = trigger.metadata.listName as string;
        const [queue, state] = [listName.split(':').at(-2) as string, listName.split(':').at(-1) as string];
        const expected = (queue === taken) === (state === 'active') ? 1 : 0;
        expect(await client.llen(listName), listName).toBe(expected);
      }
      const stats = await readQueueStats(
        client,
        config.redis.prefix,
        config.targets.map((target) => target.name),
      );
      for (const trigger of triggers.filter((t) => t.type === 'prometheus')) {
        const label = /queue="([^"]+)"/.exec(trigger.metadata.query ?? '')?.[1];
        const queueStats = stats.queues.find((q) => q.queue === label);
        expect(queueStats, `queue_jobs has a series with queue="${label}"`).toBeDefined();
        expect((queueStats?.counts.waiting ?? 0) + (queueStats?.counts.active ?? 0)).toBe(1);
      }
    } finally {
      for (const item of opened.reverse()) await item.close();
      client.disconnect();
    }
  });
});

describe('docs/deployment.md', () => {
  it('names every kustomization and how to render it', () => {
    for (const name of KUSTOMIZATIONS) expect(deploymentDoc).toContain(`deploy/kubernetes/${name}`);
    expect(deploymentDoc).toContain('kubectl kustomize');
  });
});
