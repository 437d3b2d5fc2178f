// Renders a kustomization with `kubectl kustomize` and gives typed access to the objects the deploy tests read.
import { execFile } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

export interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: { command: string[] };
  tcpSocket?: { port: string | number };
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: Array<{ name?: string; containerPort: number }>;
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}

export interface Volume {
  name: string;
  configMap?: { name: string };
  secret?: { secretName: string; items?: Array<{ key: string; path: string }> };
  emptyDir?: Record<string, unknown>;
}

export interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  terminationGracePeriodSeconds?: number;
  volumes?: Volume[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
}

export interface NetworkPolicyPeer {
  namespaceSelector?: LabelSelector;
  podSelector?: LabelSelector;
  ipBlock?: { cidr: string };
}

export interface NetworkPolicyRule {
  from?: NetworkPolicyPeer[];
  to?: NetworkPolicyPeer[];
  ports?: Array<{ port: number | string; protocol?: string }>;
}

export interface KedaTrigger {
  type: string;
  name?: string;
  metadata: Record<string, string>;
  authenticationRef?: { name: string };
}

/** The fields of the kinds these tests read; each object has only those of its kind. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  data?: Record<string, string>;
  spec?: {
    // Deployment, StatefulSet (matchLabels), Service (a plain label map), PodDisruptionBudget
    replicas?: number;
    selector?: LabelSelector | Record<string, string>;
    template?: { metadata: { labels: Record<string, string> }; spec: PodSpec };
    volumeClaimTemplates?: Array<{ metadata: { name: string } }>;
    // Service
    type?: string;
    ports?: Array<{ name?: string; port: number; targetPort: string | number }>;
    // Ingress
    rules?: Array<{
      host: string;
      http: {
        paths: Array<{
          path: string;
          backend: { service: { name: string; port: { name?: string; number?: number } } };
        }>;
      };
    }>;
    tls?: Array<{ hosts: string[]; secretName: string }>;
    // NetworkPolicy
    podSelector?: LabelSelector;
    policyTypes?: string[];
    ingress?: NetworkPolicyRule[];
    egress?: NetworkPolicyRule[];
    // PodDisruptionBudget
    minAvailable?: number;
    maxUnavailable?: number;
    // HorizontalPodAutoscaler, ScaledObject
    scaleTargetRef?: { kind?: string; name: string };
    minReplicas?: number;
    metrics?: Array<{ type: string; resource?: { name: string } }>;
    minReplicaCount?: number;
    triggers?: KedaTrigger[];
    // TriggerAuthentication
    secretTargetRef?: Array<{ parameter: string; name: string; key: string }>;
  };
}

/** `kubectl kustomize DIR`: the objects it prints, or an error that says what to install. */
export async function renderKustomization(dir: string): Promise<Manifest[]> {
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile('kubectl', ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 }, (error, out, err) => {
      if (error) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        reject(
          new Error(
            missing
              ? 'kubectl is not installed, so the Kubernetes manifests cannot be rendered: install kubectl 1.21 or ' +
                  'newer (kustomize v4+); .ci/run does'
              : `kubectl kustomize ${dir} failed: ${err || error.message}`,
          ),
        );
      } else resolve({ stdout: out, stderr: err });
    });
  });
  // kustomize warns on stderr (deprecated fields, for example) and still exits 0: a warning is a failure here.
  if (stderr.trim() !== '') throw new Error(`kubectl kustomize ${dir} warned: ${stderr}`);
  return parseAllDocuments(stdout)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((doc): doc is Manifest => doc !== null);
}

/** The one object of this kind and name; throws, naming what there is, when it is missing or not unique. */
export function find(manifests: readonly Manifest[], kind: string, name: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && m.metadata.name === name);
  if (found.length !== 1) {
    const present = manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ');
    throw new Error(`expected one ${kind}/${name}, found ${found.length}; rendered: ${present}`);
  }
  return found[0] as Manifest;
}

export function ofKind(manifests: readonly Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

/**
 * Whether a selector selects these labels: a workload's or policy's `matchLabels` (the only form these manifests
 * use), or a Service's plain label map. An empty selector selects everything, as in Kubernetes.
 */
export function selects(
  selector: LabelSelector | Record<string, string> | undefined,
  labels: Record<string, string>,
): boolean {
  const matchLabels = (selector as LabelSelector | undefined)?.matchLabels;
  const wanted: Record<string, string> =
    typeof matchLabels === 'object' ? matchLabels : ((selector ?? {}) as Record<string, string>);
  return Object.entries(wanted).every(([key, value]) => labels[key] === value);
}

/** A named or numbered container port, resolved to its number. */
export function containerPort(container: Container, port: string | number): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}
