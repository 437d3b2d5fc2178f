// Vitest setup file of the unit and property tiers: starting a process or opening a socket throws, naming the tier rule.
import childProcess from 'node:child_process';
import dgram from 'node:dgram';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

function refuse(what: string): never {
  throw new Error(
    `${what} in a unit test: a test that starts processes, Redis or network peers is an integration test ` +
      '(name it *.int.test.ts, or *.cli.test.ts when it runs the CLI; see vitest.config.ts)',
  );
}

const PROCESS_STARTERS = [
  'spawn',
  'spawnSync',
  'exec',
  'execSync',
  'execFile',
  'execFileSync',
  'fork',
] as const;
for (const name of PROCESS_STARTERS) {
  Object.defineProperty(childProcess, name, { value: () => refuse(`child_process.${name}()`) });
}
// Every TCP client (net, tls, http, fetch through undici) connects through net.Socket#connect, every server listens
// through net.Server#listen (https://nodejs.org/api/net.html).
net.Socket.prototype.connect = function connect(): never {
  return refuse('a socket connect');
};
net.Server.prototype.listen = function listen(): never {
  return refuse('a server listen');
};
Object.defineProperty(dgram, 'createSocket', { value: () => refuse('dgram.createSocket()') });
// Named imports (`import { spawn } from 'node:child_process'`) read the ESM exports, which follow the patched
// default export only after this call (https://nodejs.org/api/module.html#modulesyncbuiltinesmexports).
syncBuiltinESMExports();
