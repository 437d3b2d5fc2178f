// Logs connections closed at receiver.maxConnections, rate-limited like the rejection log so an attack cannot fill the disk.
import type { Logger } from 'winston';
import { createPerMinuteLog } from '../telemetry/rate-limited-log.js';
import type { ShedReason } from './connection-cap.js';
import { FIELD_LIMITS, sanitizeField } from './reject-log.js';

export interface ShedConnection {
  reason: ShedReason;
  /** The cap in force (receiver.maxConnections, lowered to the open-file limit). */
  max: number;
  remoteAddress?: string;
}

export interface ShedLog {
  record(reason: ShedReason, remoteAddress: string | undefined): void;
  /** Writes the summary of the current minute now, if anything was suppressed (at shutdown). */
  flush(): void;
}

/** At most `perMinute` lines a minute (receiver.rejectLogPerMinute), then one summary with the count per reason. */
export function createShedLog(logger: Logger, perMinute: number, max: number): ShedLog {
  const limiter = createPerMinuteLog<ShedConnection>({
    logger,
    perMinute,
    key: (entry) => entry.reason,
    write: (entry) =>
      logger.warn(
        entry.reason === 'idle'
          ? 'Connection shed: receiver.maxConnections reached; closed the connection idle the longest.'
          : 'Connection shed: receiver.maxConnections reached and every connection is busy; closed the new one.',
        entry,
      ),
    summary: (suppressed) =>
      `Connections shed and not logged one by one: ${suppressed} past the limit of ${perMinute} per minute.`,
    keysField: 'byReason',
    fields: { max },
  });
  return {
    record(reason, remoteAddress) {
      const address = sanitizeField(remoteAddress, FIELD_LIMITS.remoteAddress);
      limiter.offer({ reason, max, ...(address !== undefined ? { remoteAddress: address } : {}) });
    },
    flush: () => limiter.flush(),
  };
}
