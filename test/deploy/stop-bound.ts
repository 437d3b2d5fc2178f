// The longest a forwarder process can take to stop after SIGTERM, from its configuration: what a service manager's
// grace period (Kubernetes' terminationGracePeriodSeconds, compose's stop_grace_period) must exceed.
import type { Config } from '../../src/config/schema.js';
import { STOP_MARGIN_MS } from '../../src/daemon.js';

/** Time for the last log lines and the exit after the daemon's own bound. */
const EXIT_MARGIN_MS = 5_000;

/**
 * The longest `timeoutMs` anywhere in the targets' configuration (a send, a connect, Splunk's acknowledgement wait):
 * a send in flight when SIGTERM arrives may take that long.
 */
export function longestTargetTimeoutMs(config: Readonly<Config>): number {
  const found: number[] = [];
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'timeoutMs' && typeof value === 'number') found.push(value);
      else visit(value);
    }
  };
  visit(config.targets);
  return Math.max(0, ...found);
}

/**
 * The daemon's stop (src/daemon.ts stop()): it waits up to workers.shutdownGraceMs for a reload in flight, then
 * bounds the rest to the grace plus STOP_MARGIN_MS; a send in flight may also run for its target's timeout beyond
 * the grace. A pre-stop pause comes first.
 */
export function longestStopMs(config: Readonly<Config>, preStopMs: number): number {
  const grace = config.workers.shutdownGraceMs;
  return (
    preStopMs +
    Math.max(longestTargetTimeoutMs(config) + grace, grace + grace + STOP_MARGIN_MS) +
    EXIT_MARGIN_MS
  );
}
