// The process's open-file limit, and the connection cap that fits under it with room for everything else.
import { readFileSync } from 'node:fs';

/**
 * Descriptors kept for everything but receiver connections: the Redis connections (the producer, two per worker and
 * target), target sockets, log and output files, the embedded redis-server's pipes, and Node's own (epoll, signals,
 * stdio). A few dozen in a typical setup; 128 leaves room for several targets.
 */
export const FD_RESERVE = 128;

/** The cap never drops below this, however low the limit: the probes and a few deliveries must still fit. */
export const MIN_CONNECTIONS = 16;

/** Pure: the soft "Max open files" limit from the text of /proc/PID/limits (proc(5)); undefined if absent. */
export function parseOpenFileLimit(limits: string): number | undefined {
  const match = /^Max open files\s+(\S+)\s+/m.exec(limits);
  if (!match) return undefined;
  const soft = match[1] as string;
  return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft) || undefined;
}

/**
 * This process's open-file limit. Node raises its soft limit to the hard limit as it starts (node.cc, PlatformInit), so
 * this is the hard limit the service manager set (systemd LimitNOFILE=, `ulimit -Hn`). Undefined without /proc (macOS).
 */
export function openFileLimit(): number | undefined {
  try {
    return parseOpenFileLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}

/** Pure: receiver.maxConnections, lowered so that connections leave FD_RESERVE descriptors for the rest. */
export function connectionCap(configured: number, fdLimit: number | undefined): number {
  if (fdLimit === undefined) return configured;
  return Math.min(configured, Math.max(MIN_CONNECTIONS, fdLimit - FD_RESERVE));
}
