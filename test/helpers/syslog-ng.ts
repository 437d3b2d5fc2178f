// Runs a private syslog-ng (Debian 3.38) on free loopback ports with one source and one JSON output file per transport.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { completeNdjsonLines } from './ndjson-file.js';
import type { TestPki } from './test-ca.js';

/**
 * The sources: `tcp` is syslog() with RFC 6587 octet counting; `lf` is network() with LF framing parsing RFC 5424
 * (flags(syslog-protocol)); `tls` is syslog() over TLS (RFC 5425, octet counting); `tlsLf` is network() over TLS with
 * LF framing; `udp` is syslog() over UDP (RFC 5426); `bsd` is network() with LF framing and the default RFC 3164 parser.
 */
export const SOURCES = ['tcp', 'lf', 'tls', 'tlsLf', 'udp', 'bsd'] as const;
export type SourceName = (typeof SOURCES)[number];

/** One message as syslog-ng parsed it. */
export interface ParsedMessage {
  pri: string;
  facility: string;
  severity: string;
  host: string;
  program: string;
  pid: string;
  msgid: string;
  sdata: string;
  date: string;
  msg: string;
}

export interface TestSyslogNg {
  readonly ports: Readonly<Record<SourceName, number>>;
  readonly dir: string;
  /** Stops syslog-ng (SIGTERM: it closes its sockets and flushes its files), keeping ports and output files. */
  stop(): Promise<void>;
  /** Starts it again on the same ports, appending to the same files; resolves when the TCP ports accept. */
  start(): Promise<void>;
  /** Every message written so far for a source. */
  read(source: SourceName): ParsedMessage[];
  /** Polls read(source) every 50 ms until `done` holds or `timeoutMs` passes; returns the last read. */
  waitFor(
    source: SourceName,
    done: (messages: ParsedMessage[]) => boolean,
    timeoutMs?: number,
  ): Promise<ParsedMessage[]>;
  /** syslog-ng's own log (framing and TLS errors appear only here). */
  internalLog(): string;
  cleanup(): Promise<void>;
}

function config(dir: string, ports: Record<SourceName, number>, pki: TestPki): string {
  const tls = `tls(key-file("${pki.serverKeyFile}") cert-file("${pki.serverCertFile}") peer-verify(optional-untrusted))`;
  const sources: Record<SourceName, string> = {
    tcp: `syslog(ip(127.0.0.1) port(${ports.tcp}) transport("tcp") log-msg-size(65536))`,
    lf: `network(ip(127.0.0.1) port(${ports.lf}) transport("tcp") flags(syslog-protocol) log-msg-size(65536))`,
    tls: `syslog(ip(127.0.0.1) port(${ports.tls}) transport("tls") ${tls} log-msg-size(65536))`,
    tlsLf: `network(ip(127.0.0.1) port(${ports.tlsLf}) transport("tls") ${tls} flags(syslog-protocol) log-msg-size(65536))`,
    udp: `syslog(ip(127.0.0.1) port(${ports.udp}) transport("udp") log-msg-size(65536))`,
    bsd: `network(ip(127.0.0.1) port(${ports.bsd}) transport("tcp") log-msg-size(65536))`,
  };
  const lines = [
    '@version: 3.38',
    'options { keep-hostname(yes); chain-hostnames(no); stats-freq(0); flush-lines(1); use-dns(no); };',
    'template t_json { template("$(format-json pri=${PRI} facility=${FACILITY_NUM} severity=${LEVEL_NUM} host=${HOST} program=${PROGRAM} pid=${PID} msgid=${MSGID} sdata=${SDATA} date=${ISODATE} msg=${MSG})\\n"); };',
  ];
  for (const name of SOURCES) {
    lines.push(`source s_${name} { ${sources[name]}; };`);
    lines.push(`destination d_${name} { file("${join(dir, `${name}.log`)}" template(t_json)); };`);
    lines.push(`log { source(s_${name}); destination(d_${name}); };`);
  }
  lines.push(
    `source s_int { internal(); }; destination d_int { file("${join(dir, 'internal.log')}"); }; log { source(s_int); destination(d_int); };`,
  );
  return `${lines.join('\n')}\n`;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function startSyslogNg(pki: TestPki): Promise<TestSyslogNg> {
  const dir = mkdtempSync(join(tmpdir(), 'ssf-syslog-ng-'));
  const ports = {} as Record<SourceName, number>;
  const taken = new Set<number>();
  for (const name of SOURCES) {
    let port = await freePort();
    for (let i = 0; i < 20 && taken.has(port); i += 1) port = await freePort();
    taken.add(port);
    ports[name] = port;
  }
  const confFile = join(dir, 'syslog-ng.conf');
  writeFileSync(confFile, config(dir, ports, pki));
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    const proc = spawn(
      '/usr/sbin/syslog-ng',
      [
        '-F',
        '--no-caps',
        '-f',
        confFile,
        '-R',
        join(dir, 'persist'),
        '-p',
        join(dir, 'pid'),
        '-c',
        join(dir, 'ctl'),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child = proc;
    const until = Date.now() + 10_000;
    const tcpPorts = [ports.tcp, ports.lf, ports.tls, ports.tlsLf, ports.bsd];
    while (Date.now() < until) {
      if (proc.exitCode !== null) throw new Error(`syslog-ng exited with ${proc.exitCode}: ${stderr}`);
      const ready = await Promise.all(tcpPorts.map(canConnect));
      if (ready.every(Boolean)) return;
      await sleep(50);
    }
    throw new Error(`syslog-ng did not open its ports within 10 s: ${stderr}`);
  }

  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => running.kill('SIGKILL'), 5_000);
      running.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      running.kill('SIGTERM');
    });
  }

  function read(source: SourceName): ParsedMessage[] {
    const file = join(dir, `${source}.log`);
    return completeNdjsonLines<ParsedMessage>(file);
  }

  await start();
  return {
    ports,
    dir,
    start,
    stop,
    read,
    async waitFor(source, done, timeoutMs = 5_000) {
      const until = Date.now() + timeoutMs;
      let messages = read(source);
      while (!done(messages) && Date.now() < until) {
        await sleep(50);
        messages = read(source);
      }
      return messages;
    },
    internalLog() {
      const file = join(dir, 'internal.log');
      return existsSync(file) ? readFileSync(file, 'utf8') : '';
    },
    async cleanup() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
