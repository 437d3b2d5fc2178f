// The connection cap fits under the process's open-file limit, read from /proc/self/limits.
import { describe, expect, it } from 'vitest';
import {
  connectionCap,
  FD_RESERVE,
  MIN_CONNECTIONS,
  openFileLimit,
  parseOpenFileLimit,
} from '../../src/receiver/fd-limit.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             63707                63707                processes
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('the open-file limit', () => {
  it('reads the soft limit of "Max open files" (proc(5))', () => {
    expect(parseOpenFileLimit(LIMITS)).toBe(1024);
    expect(parseOpenFileLimit(LIMITS.replace('1024 ', 'unlimited '))).toBe(Number.POSITIVE_INFINITY);
    expect(parseOpenFileLimit('Max processes 1 1 processes\n')).toBeUndefined();
  });

  it('lowers receiver.maxConnections to leave descriptors for Redis, targets and files, never below a floor', () => {
    expect(connectionCap(512, 1024)).toBe(512);
    expect(connectionCap(512, 256)).toBe(256 - FD_RESERVE);
    expect(connectionCap(512, 64)).toBe(MIN_CONNECTIONS);
    expect(connectionCap(512, undefined)).toBe(512);
  });

  it('reads this process limit on Linux', () => {
    if (process.platform === 'linux') expect(openFileLimit()).toBeGreaterThan(0);
    else expect(openFileLimit()).toBeUndefined();
  });
});
