// The series of snyk_last_ping_timestamp_seconds{org}: one per heartbeat org, and "other" for every other ping.
import { OTHER_ORG } from './ping-store.js';

export interface PingSeries {
  org: string;
  /** Epoch seconds of the last ping; 0: never. */
  seconds: number;
}

/**
 * `byOrg` holds epoch seconds per org label, as Redis has them (queue/queue-stats.ts). The label values stay bounded: each org of `snyk.orgs` (while the heartbeat runs) gets its own series, at 0 until
 * its first ping so that an alert sees a webhook that never answered; pings of any other webhook count for "other".
 * The maximum over all series is the time of the last ping of any kind, as `<prefix>:snyk:last-ping` holds it
 * (`lastPingSeconds`, which also covers pings recorded before the per-org record existed).
 */
export function pingSeries(
  byOrg: Readonly<Record<string, number>>,
  heartbeatOrgs: readonly string[],
  lastPingSeconds: number,
): PingSeries[] {
  const own = heartbeatOrgs.map((org) => ({ org, seconds: byOrg[org] ?? 0 }));
  const rest = Object.entries(byOrg)
    .filter(([org]) => !heartbeatOrgs.includes(org))
    .map(([, seconds]) => seconds);
  const latest = Math.max(0, ...own.map((series) => series.seconds), ...rest);
  const other = Math.max(0, ...rest, lastPingSeconds > latest ? lastPingSeconds : 0);
  return [...own.filter((series) => series.org !== OTHER_ORG), { org: OTHER_ORG, seconds: other }];
}
