/** Test certificates, made at run time with the `openssl` command (EC P-256 keys: fast to make). */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TlsFiles } from '../../lib/process/tls';

/** A certificate and its key, as files. */
export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
}

/** A small PKI in a temporary directory. */
export interface TestPki {
  readonly dir: string;
  /** The CA everything below is signed by (except `rogue`). */
  readonly ca: string;
  /** For 127.0.0.1 (SAN IP:127.0.0.1 and DNS:localhost), usable as server and client certificate. */
  readonly local: CertificateFiles;
  /** Signed by the CA, but naming only 10.1.2.3: presented from 127.0.0.1 it proves nothing. */
  readonly elsewhere: CertificateFiles;
  /** For 127.0.0.1 too, but signed by another CA. */
  readonly rogue: CertificateFiles;
  /** The TLS files of a host using `local`; `requireClientCert` as given. */
  files(requireClientCert: boolean): TlsFiles;
  /** Removes the directory. */
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): CertificateFiles {
  const files = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', files.key]);
  openssl(dir, ['req', '-x509', '-new', '-key', files.key, '-subj', `/CN=${name}`, '-days', '2', '-out', files.cert,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return files;
}

function makeLeaf(dir: string, name: string, ca: CertificateFiles, commonName: string, subjectAltName: string): CertificateFiles {
  const files = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  const csr = path.join(dir, `${name}.csr`);
  const extensions = path.join(dir, `${name}.ext`);
  fs.writeFileSync(extensions, `subjectAltName=${subjectAltName}\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n`);
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', files.key]);
  openssl(dir, ['req', '-new', '-key', files.key, '-subj', `/CN=${commonName}`, '-out', csr]);
  openssl(dir, ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', String(Date.now()), '-days', '2', '-extfile', extensions, '-out', files.cert]);
  return files;
}

/** A server certificate for the DNS name `name`, signed by `pki`'s CA (in its directory). */
export function makeNamedCertificate(pki: TestPki, name: string): CertificateFiles {
  return makeLeaf(pki.dir, `named-${name}`, { cert: pki.ca, key: pki.ca.replace(/\.crt$/, '.key') }, name, `DNS:${name}`);
}

/** Makes a CA, a certificate for 127.0.0.1, one for 10.1.2.3, and one for 127.0.0.1 from a rogue CA. */
export function makeTestPki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-'));
  const ca = makeCa(dir, 'ca');
  const rogueCa = makeCa(dir, 'rogue-ca');
  const local = makeLeaf(dir, 'local', ca, '127.0.0.1', 'IP:127.0.0.1,DNS:localhost');
  const elsewhere = makeLeaf(dir, 'elsewhere', ca, '10.1.2.3', 'IP:10.1.2.3');
  const rogue = makeLeaf(dir, 'rogue', rogueCa, '127.0.0.1', 'IP:127.0.0.1');
  return {
    dir, ca: ca.cert, local, elsewhere, rogue,
    files: (requireClientCert) => ({ certFile: local.cert, keyFile: local.key, caFile: ca.cert, requireClientCert }),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
