// Makes a throw-away CA, a server certificate for 127.0.0.1/localhost and a second unrelated CA with the openssl CLI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  readonly dir: string;
  /** PEM of the CA that signed the server certificate. */
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** PEM of a second CA that signed nothing the tests talk to (the wrong-CA case). */
  readonly otherCaFile: string;
  /** A client certificate and key signed by the first CA (mutual TLS). */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe', timeout: 20_000 });
}

/** EC P-256 keys: generated in milliseconds, accepted by syslog-ng, Node and OpenSSL alike. */
function makeCa(dir: string, name: string): void {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
}

function makeLeaf(dir: string, name: string, ca: string, extensions: string): void {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name === 'server' ? 'localhost' : name}`,
    ],
    dir,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.pem`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'ssf-pki-'));
  makeCa(dir, 'test-ca');
  makeCa(dir, 'other-ca');
  makeLeaf(
    dir,
    'server',
    'test-ca',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n',
  );
  makeLeaf(
    dir,
    'client',
    'test-ca',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
  );
  return {
    dir,
    caFile: join(dir, 'test-ca.pem'),
    serverCertFile: join(dir, 'server.pem'),
    serverKeyFile: join(dir, 'server.key'),
    otherCaFile: join(dir, 'other-ca.pem'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client.key'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
