// Configuration shared by the stream targets (syslog, Rapid7): connect and write timeout, settle window, facilities.
import { z } from 'zod';

/** RFC 5424 §6.2.1 facility codes by name; local0–local7 are 16–23. */
export const FACILITIES = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  security: 13,
  console: 14,
  solaris_cron: 15,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;
export type FacilityName = keyof typeof FACILITIES;
export const FACILITY_NAMES = Object.keys(FACILITIES) as [FacilityName, ...FacilityName[]];

/** Fields of every target that writes to a StreamConnection (shared/stream-connection.ts). */
export const streamFields = {
  /** Bounds the connect (TCP and TLS handshake) and each write until the kernel took it. */
  timeoutMs: z.number().int().min(100).max(600_000).default(10_000),
  /**
   * After a batch reached the kernel, wait this long for a reset or close from the peer before the send succeeds;
   * a reset in that window makes the job retry instead of losing the batch. 0 turns it off. See docs/targets/syslog.md.
   */
  settleMs: z.number().int().min(0).max(10_000).default(50),
};
