// Samples a running forwarder every 250 ms: its queues' depth from Redis, and the memory of it and its redis-server.
import { readFileSync } from 'node:fs';
import type { ForwarderProcess, QueueDepth } from './forwarder-process.js';

export const SAMPLE_INTERVAL_MS = 250;

export interface Memory {
  /** Resident set size now (VmRSS), MiB. */
  rssMiB: number;
  /** Peak resident set size since the process started (VmHWM), MiB. */
  hwmMiB: number;
}

/** A file of /proc/PID (proc(5)); undefined once the process is gone. */
function readProc(pid: number | undefined, file: string): string | undefined {
  if (pid === undefined || pid <= 0) return undefined;
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** VmRSS and VmHWM from /proc/PID/status (proc(5)); undefined once the process is gone. */
export function readMemory(pid: number | undefined): Memory | undefined {
  const status = readProc(pid, 'status');
  if (status === undefined) return undefined;
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssMiB: Math.round(kib('VmRSS') / 1024), hwmMiB: Math.round(kib('VmHWM') / 1024) };
}

/**
 * CPU time the process has used so far, user and system, in ms (utime and stime of /proc/PID/stat, proc(5), in clock
 * ticks of 10 ms); undefined once the process is gone. Less sensitive than a wall-clock rate to other load on the
 * machine, it gives the cost of one delivery.
 */
export function readCpuMs(pid: number | undefined): number | undefined {
  const stat = readProc(pid, 'stat');
  if (stat === undefined) return undefined;
  // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export interface Sample extends QueueDepth {
  /** Seconds since the sampler started. */
  t: number;
  forwarderRssMiB: number;
  redisRssMiB: number;
}

export interface SampleSummary {
  samples: Sample[];
  peakForwarderRssMiB: number;
  peakRedisRssMiB: number;
  /** VmHWM read at the end: the peak the kernel saw, including moments between two samples. */
  forwarderHwmMiB: number;
  redisHwmMiB: number;
  peakIngestDepth: number;
  peakTargetDepth: number;
}

export interface Sampler {
  stop(): Promise<SampleSummary>;
}

/** Starts sampling; one sample at a time (a slow Redis read skips ticks rather than piling them up). */
export function sampleForwarder(forwarder: ForwarderProcess): Sampler {
  const samples: Sample[] = [];
  const started = performance.now();
  let busy: Promise<void> | undefined;
  let failure: unknown;
  const tick = () => {
    if (busy !== undefined) return;
    const t = (performance.now() - started) / 1000;
    busy = forwarder
      .queueDepth()
      .then((depth) => {
        samples.push({
          t: Math.round(t * 100) / 100,
          ...depth,
          forwarderRssMiB: readMemory(forwarder.pid)?.rssMiB ?? 0,
          redisRssMiB: readMemory(forwarder.redisPid)?.rssMiB ?? 0,
        });
      })
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => {
        busy = undefined;
      });
  };
  tick();
  const timer = setInterval(tick, SAMPLE_INTERVAL_MS);
  return {
    async stop() {
      clearInterval(timer);
      await busy;
      if (failure !== undefined && samples.length === 0) throw failure;
      const own = readMemory(forwarder.pid);
      const redis = readMemory(forwarder.redisPid);
      const peak = (pick: (sample: Sample) => number) => Math.max(0, ...samples.map(pick));
      return {
        samples,
        peakForwarderRssMiB: peak((s) => s.forwarderRssMiB),
        peakRedisRssMiB: peak((s) => s.redisRssMiB),
        forwarderHwmMiB: own?.hwmMiB ?? 0,
        redisHwmMiB: redis?.hwmMiB ?? 0,
        peakIngestDepth: peak((s) => s.ingest),
        peakTargetDepth: peak((s) => s.target),
      };
    },
  };
}
