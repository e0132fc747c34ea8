/**
 * TLS for actor hosts (libprocess' SSL support): what a host serves its port with, dials peers
 * with, and proves a peer's address by.
 *
 * A host given `TlsOptions` serves its links and HTTP routes over TLS only, dials `wss://` and
 * `https://`, and checks a peer's certificate against `ca`. With `requireClientCert` (mutual TLS)
 * every peer must present a certificate signed by `ca`, and a link's claimed address is proven
 * by that certificate instead of by asking the address back (see links.ts).
 *
 * @example
 *   const tls = loadTlsOptions({ certFile: 'node.crt', keyFile: 'node.key', caFile: 'ca.crt', requireClientCert: true });
 *   const host = await ActorHost.start({ port: 5050, tls });   // https:// and wss:// on 5050
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import { isIP } from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';

/** Largest certificate, key or CA file read (a CA bundle of a few hundred certificates fits). */
export const MAX_TLS_FILE_BYTES = 4 * 1024 * 1024;

/** PEM material and policy of a TLS actor host. */
export interface TlsOptions {
  /** This host's certificate (PEM, chain allowed): served to peers, and presented as a client certificate when dialing. */
  readonly cert: string | Buffer;
  /** The private key of `cert` (PEM, unencrypted). */
  readonly key: string | Buffer;
  /** The CA certificates peers' certificates must be signed by (PEM); default: Node's bundled public roots. */
  readonly ca?: string | Buffer;
  /**
   * Mutual TLS: peers must present a certificate signed by `ca`, and a link is proven by the
   * certificate naming the address the dialer claims (no verification round trip).
   */
  readonly requireClientCert: boolean;
  /** The files this was loaded from, if any: an agent hands them to its executors (`tlsEnvironment`). */
  readonly files?: TlsFiles;
}

/** The settings of TLS that are files (for error messages that name their flag or variable). */
export type TlsFileSetting = 'certFile' | 'keyFile' | 'caFile';

/** Where a host's TLS material lives: what the `--ssl_*` flags and `LIBPROCESS_SSL_*` variables give. */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile?: string;
  readonly requireClientCert?: boolean;
  /** What errors call each file (default: its flag, e.g. `--ssl_cert_file`). */
  readonly names?: Partial<Record<TlsFileSetting, string>>;
}

/** The flags of TLS (Mesos names), as given on a command line; all optional. */
export interface TlsFlags {
  readonly ssl_cert_file?: string;
  readonly ssl_key_file?: string;
  readonly ssl_ca_file?: string;
  readonly ssl_require_client_cert?: boolean;
}

/** The command-line flag of each TLS setting (Mesos names). */
export const TLS_FLAGS = {
  certFile: '--ssl_cert_file',
  keyFile: '--ssl_key_file',
  caFile: '--ssl_ca_file',
  requireClientCert: '--ssl_require_client_cert',
} as const;

/** libprocess' environment variables for TLS; a flag wins over its variable. */
export const TLS_ENVIRONMENT = {
  enabled: 'LIBPROCESS_SSL_ENABLED',
  certFile: 'LIBPROCESS_SSL_CERT_FILE',
  keyFile: 'LIBPROCESS_SSL_KEY_FILE',
  caFile: 'LIBPROCESS_SSL_CA_FILE',
  requireClientCert: 'LIBPROCESS_SSL_REQUIRE_CERT',
} as const;

/**
 * Which TLS files to use, from flags and the environment: TLS is on when any `--ssl_*` flag is
 * given or `LIBPROCESS_SSL_ENABLED` is true; each setting then comes from its flag, else from its
 * `LIBPROCESS_SSL_*` variable. Undefined when TLS is off. Throws, naming the flag or variable,
 * when TLS is on without a certificate or key, or a boolean variable is not a boolean.
 *
 * @example
 *   resolveTlsFiles({}, { LIBPROCESS_SSL_ENABLED: 'true', LIBPROCESS_SSL_CERT_FILE: 'a.crt', LIBPROCESS_SSL_KEY_FILE: 'a.key' })
 *   // { certFile: 'a.crt', keyFile: 'a.key', requireClientCert: false, names: { certFile: 'LIBPROCESS_SSL_CERT_FILE', ... } }
 */
export function resolveTlsFiles(flags: TlsFlags, environment: NodeJS.ProcessEnv = process.env): TlsFiles | undefined {
  const flagGiven = flags.ssl_cert_file !== undefined || flags.ssl_key_file !== undefined || flags.ssl_ca_file !== undefined || flags.ssl_require_client_cert !== undefined;
  const enabled = booleanVariable(environment, TLS_ENVIRONMENT.enabled) ?? false;
  if (!flagGiven && !enabled) return undefined;
  const names: Partial<Record<TlsFileSetting, string>> = {};
  const pick = (setting: TlsFileSetting, fromFlag: string | undefined): string | undefined => {
    const fromEnvironment = environment[TLS_ENVIRONMENT[setting]];
    if (fromFlag !== undefined) names[setting] = TLS_FLAGS[setting];
    else if (fromEnvironment !== undefined && fromEnvironment !== '') names[setting] = TLS_ENVIRONMENT[setting];
    return fromFlag ?? (fromEnvironment === '' ? undefined : fromEnvironment);
  };
  const certFile = pick('certFile', flags.ssl_cert_file);
  const keyFile = pick('keyFile', flags.ssl_key_file);
  const caFile = pick('caFile', flags.ssl_ca_file);
  const requireClientCert = flags.ssl_require_client_cert ?? booleanVariable(environment, TLS_ENVIRONMENT.requireClientCert) ?? false;
  const why = flagGiven ? 'a TLS flag is given' : `${TLS_ENVIRONMENT.enabled} is true`;
  if (certFile === undefined) throw new Error(`${TLS_FLAGS.certFile} (or ${TLS_ENVIRONMENT.certFile}) is required: ${why}`);
  if (keyFile === undefined) throw new Error(`${TLS_FLAGS.keyFile} (or ${TLS_ENVIRONMENT.keyFile}) is required: ${why}`);
  return { certFile, keyFile, ...(caFile !== undefined ? { caFile } : {}), requireClientCert, names };
}

/**
 * Reads and checks the TLS files: each must be readable PEM of the right kind (certificate, key,
 * CA certificates), and the key must belong to the certificate. Throws an Error naming the flag
 * (or variable) and the file that is wrong.
 *
 * @example
 *   const tls = loadTlsOptions({ certFile: '/etc/mesos/node.crt', keyFile: '/etc/mesos/node.key', caFile: '/etc/mesos/ca.crt' });
 */
export function loadTlsOptions(files: TlsFiles): TlsOptions {
  const name = (setting: TlsFileSetting): string => files.names?.[setting] ?? TLS_FLAGS[setting];
  const cert = readPem(name('certFile'), files.certFile);
  const key = readPem(name('keyFile'), files.keyFile);
  const ca = files.caFile === undefined ? undefined : readPem(name('caFile'), files.caFile);
  checkPem(name('certFile'), files.certFile, () => new X509Certificate(cert), 'a PEM certificate');
  checkPem(name('keyFile'), files.keyFile, () => createPrivateKey(key), 'a PEM private key (unencrypted)');
  if (ca !== undefined) checkPem(name('caFile'), files.caFile as string, () => new X509Certificate(ca), 'PEM CA certificates');
  try {
    tls.createSecureContext({ cert, key, ...(ca !== undefined ? { ca } : {}) });
  } catch (error) {
    throw new Error(`${name('keyFile')}: '${files.keyFile}' is not the key of ${name('certFile')} '${files.certFile}' (${describe(error)})`);
  }
  return { cert, key, ...(ca !== undefined ? { ca } : {}), requireClientCert: files.requireClientCert === true, files };
}

/**
 * TLS from `LIBPROCESS_SSL_*` variables alone (what an agent gives its executors), or undefined
 * when they do not turn it on. Throws as `resolveTlsFiles` and `loadTlsOptions` do.
 */
export function tlsOptionsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): TlsOptions | undefined {
  const files = resolveTlsFiles({}, environment);
  return files === undefined ? undefined : loadTlsOptions(files);
}

/**
 * The `LIBPROCESS_SSL_*` variables that make a process (an executor) use `files`, or turn TLS off
 * explicitly when `files` is undefined (so an executor speaks what its agent speaks, whatever it
 * inherited). Paths are made absolute: executors run in their sandboxes.
 */
export function tlsEnvironment(files: TlsFiles | undefined): Record<string, string> {
  if (files === undefined) return { [TLS_ENVIRONMENT.enabled]: 'false' };
  const absolute = (file: string): string => path.resolve(file);
  return {
    [TLS_ENVIRONMENT.enabled]: 'true',
    [TLS_ENVIRONMENT.certFile]: absolute(files.certFile),
    [TLS_ENVIRONMENT.keyFile]: absolute(files.keyFile),
    ...(files.caFile !== undefined ? { [TLS_ENVIRONMENT.caFile]: absolute(files.caFile) } : {}),
    [TLS_ENVIRONMENT.requireClientCert]: files.requireClientCert === true ? 'true' : 'false',
  };
}

/** What a host presents and trusts when it dials (WebSocket links, HTTP requests) under `options`. */
export function tlsClientOptions(options: TlsOptions): tls.ConnectionOptions {
  return { cert: options.cert, key: options.key, ...(options.ca !== undefined ? { ca: options.ca } : {}), rejectUnauthorized: true };
}

/**
 * What a host serves its port with under `options`. With `requireClientCert` a client
 * certificate is asked for, but the server does not drop a peer without a valid one by itself:
 * the caller must refuse every socket that is not `authorized` as soon as it is secure (the host
 * does, in a `secureConnection` listener that runs first), which lets it log who and why, since
 * Node's own refusal leaves only "socket hang up" without the peer's address.
 */
export function tlsServerOptions(options: TlsOptions): tls.TlsOptions {
  return {
    cert: options.cert,
    key: options.key,
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
    requestCert: options.requireClientCert,
    rejectUnauthorized: false,
  };
}

/**
 * The names a certificate vouches for: its subjectAltName's `DNS` and `IP Address` entries and
 * its subject's CN. Names that contain quotes or commas (escaped by Node) are left out: no host
 * name has them.
 */
export function certificateNames(certificate: Pick<tls.PeerCertificate, 'subject' | 'subjectaltname'>): string[] {
  const names: string[] = [];
  for (const entry of (certificate.subjectaltname ?? '').split(', ')) {
    const match = /^(DNS|IP Address):([^",]+)$/.exec(entry);
    if (match) names.push(match[2] as string);
  }
  const commonName: unknown = certificate.subject?.CN;
  for (const name of Array.isArray(commonName) ? commonName : [commonName]) if (typeof name === 'string') names.push(name);
  return names;
}

/**
 * Whether a certificate proves `host` (an IP address or a DNS name, without port): the host is
 * one of `certificateNames`, exactly (DNS names compared without case; no wildcards).
 */
export function certificateNamesHost(certificate: Pick<tls.PeerCertificate, 'subject' | 'subjectaltname'>, host: string): boolean {
  const wanted = isIP(host) !== 0 ? host : host.toLowerCase();
  return certificateNames(certificate).some((name) => (isIP(name) !== 0 ? name : name.toLowerCase()) === wanted);
}

/**
 * Explains a failed TLS connection (dialing, or a peer's failed handshake) in one phrase, or
 * undefined when `error` is no TLS failure we know.
 */
export function describeTlsFailure(error: Error & { code?: string }): string | undefined {
  const code = error.code ?? '';
  const text = `${code} ${error.message}`;
  if (/wrong version number|packet length too long|ERR_SSL_HTTP_REQUEST|http request|unknown protocol/i.test(text)) return 'the other side does not speak TLS (a plaintext peer or port)';
  if (/SELF_SIGNED|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER|CERT_SIGNATURE_FAILURE|certificate verify failed/i.test(text)) return 'the certificate is not signed by a trusted CA (--ssl_ca_file)';
  if (/unknown ca|ALERT_UNKNOWN_CA|bad certificate|ALERT_BAD_CERTIFICATE/i.test(text)) return 'the peer refused our certificate (not signed by a CA it trusts)';
  if (/certificate required|peer did not return a certificate|CERTIFICATE_REQUIRED/i.test(text)) return 'a client certificate is required and none was presented';
  if (/ERR_TLS_CERT_ALTNAME_INVALID/.test(text)) return "the peer's certificate does not name the address dialed";
  if (/CERT_HAS_EXPIRED|CERT_NOT_YET_VALID/.test(text)) return 'a certificate is expired or not yet valid';
  if (/EPROTO|ERR_SSL_|SSL routines/i.test(text)) return 'the TLS handshake failed';
  return undefined;
}

/** Reads one TLS file (bounded), failing with the setting's name. */
function readPem(name: string, file: string): Buffer {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (error) {
    throw new Error(`${name}: cannot read '${file}' (${(error as NodeJS.ErrnoException).code ?? describe(error)})`);
  }
  if (size > MAX_TLS_FILE_BYTES) throw new Error(`${name}: '${file}' is larger than ${MAX_TLS_FILE_BYTES} bytes`);
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new Error(`${name}: cannot read '${file}' (${(error as NodeJS.ErrnoException).code ?? describe(error)})`);
  }
}

function checkPem(name: string, file: string, parse: () => unknown, what: string): void {
  try {
    parse();
  } catch (error) {
    throw new Error(`${name}: '${file}' is not ${what} (${describe(error)})`);
  }
}

/** A boolean environment variable (libprocess accepts true/false/1/0), undefined when unset. */
function booleanVariable(environment: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const value = environment[name];
  if (value === undefined || value === '') return undefined;
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new Error(`${name}: '${value.slice(0, 40)}' is not a boolean (true or false)`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
