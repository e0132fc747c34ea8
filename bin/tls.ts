/**
 * The TLS flags of every bin that runs an actor host or asks one over HTTP (Mesos names), and
 * reading them, with libprocess' `LIBPROCESS_SSL_*` variables as fallback, into `TlsOptions`.
 */
import type { Command } from 'commander';
import { flag, parseBooleanFlag } from '../lib/flags';
import { loadTlsOptions, resolveTlsFiles, type TlsFlags, type TlsOptions } from '../lib/process/tls';
import { fail } from './client';

/** Adds `--ssl_cert_file`, `--ssl_key_file`, `--ssl_ca_file` and `--ssl_require_client_cert`. */
export function addTlsOptions(program: Command): Command {
  return program
    .addOption(flag('--ssl_cert_file <path>', 'serve and dial over TLS with this certificate (PEM); env LIBPROCESS_SSL_CERT_FILE with LIBPROCESS_SSL_ENABLED=true'))
    .addOption(flag('--ssl_key_file <path>', "the certificate's private key (PEM); env LIBPROCESS_SSL_KEY_FILE"))
    .addOption(flag('--ssl_ca_file <path>', "CA certificates peers' certificates must be signed by (PEM; default: the public roots); env LIBPROCESS_SSL_CA_FILE"))
    .addOption(flag('--ssl_require_client_cert [bool]', 'mutual TLS: peers must present a certificate signed by the CA, which proves their address; env LIBPROCESS_SSL_REQUIRE_CERT')
      .argParser(parseBooleanFlag));
}

/**
 * The TLS settings the flags (else the `LIBPROCESS_SSL_*` variables) give, read and checked;
 * undefined when TLS is off. A missing, unreadable or wrong file exits 2 with one line naming
 * the flag (or variable).
 */
export function tlsFromOptions(bin: string, options: TlsFlags, environment: NodeJS.ProcessEnv = process.env): TlsOptions | undefined {
  try {
    const files = resolveTlsFiles(options, environment);
    return files === undefined ? undefined : loadTlsOptions(files);
  } catch (error) {
    return fail(bin, (error as Error).message, 2);
  }
}
