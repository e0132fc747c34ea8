/** Longest UPID text accepted (`id@host:port`): a peer's UPIDs are bounded like every string it sends. */
export const MAX_UPID_LENGTH = 1_024;

/**
 * UPID: the address of an actor, `id@host:port` (libprocess' process id).
 *
 * `UPID.parse` and `toString` are exact inverses on valid input, so a UPID can travel as a
 * string on the wire and come back equal.
 *
 * @example
 *   const pid = UPID.parse('master@10.0.0.5:5050');
 *   pid.id === 'master'; pid.address === '10.0.0.5:5050'; String(pid) === 'master@10.0.0.5:5050';
 */
export class UPID {
  /** `host:port`: which actor host (OS process) the actor lives in. */
  readonly address: string;
  private readonly text: string;

  constructor(
    /** The actor's id, unique within its host, e.g. `master`, `slave(1)`. */
    readonly id: string,
    /** IP address or host name the actor host listens on. */
    readonly host: string,
    /** TCP port of the actor host. */
    readonly port: number,
  ) {
    // Joined flat (a template literal keeps a tree of concatenations, 32 bytes a node): records keep pids long.
    this.address = addressOf(host, port);
    this.text = [id, this.address].join('@');
    checkId(id, this.text);
    checkHost(host, this.text);
    checkPort(port, this.text);
  }

  /** Parses `id@host:port`; throws an `InvalidUPIDError` naming the bad part. */
  static parse(text: string): UPID {
    if (typeof text !== 'string') throw new InvalidUPIDError(String(text), 'not a string');
    if (text.length > MAX_UPID_LENGTH) throw new InvalidUPIDError(`${text.slice(0, 64)}…`, `longer than ${MAX_UPID_LENGTH} characters`);
    const at = text.indexOf('@');
    if (at < 0) throw new InvalidUPIDError(text, "missing '@'");
    const colon = text.lastIndexOf(':');
    if (colon < at) throw new InvalidUPIDError(text, "missing ':port'");
    const portText = text.slice(colon + 1);
    if (!PORT_PATTERN.test(portText)) {
      throw new InvalidUPIDError(text, `port '${portText}' is not a decimal number in 0..65535`);
    }
    return new UPID(text.slice(0, at), text.slice(at + 1, colon), Number(portText));
  }

  /** Like `parse` but returns `undefined` instead of throwing. */
  static tryParse(text: unknown): UPID | undefined {
    if (typeof text !== 'string') return undefined;
    try {
      return UPID.parse(text);
    } catch {
      return undefined;
    }
  }

  /** Builds the UPID of actor `id` on the host at `address` (`host:port`). */
  static at(id: string, address: string): UPID {
    return UPID.parse(`${id}@${address}`);
  }

  equals(other: UPID | undefined): boolean {
    return other !== undefined && other.text === this.text;
  }

  toString(): string {
    return this.text;
  }

  toJSON(): string {
    return this.text;
  }
}

/** Thrown for a string that is not a valid `id@host:port`. */
export class InvalidUPIDError extends Error {
  constructor(text: string, reason: string) {
    super(`invalid UPID '${text}': ${reason}`);
    this.name = 'InvalidUPIDError';
  }
}

// An id may hold letters, digits and `-_.()` plus `/` and `:` for nested names; never '@' or blanks.
const ID_PATTERN = /^[A-Za-z0-9_.()\-/:]+$/;
// A host is a DNS name or IPv4 address, or a bracketed IPv6 address.
const HOST_PATTERN = /^([A-Za-z0-9\-.]+|\[[0-9A-Fa-f:.]+\])$/;
/** A port as a UPID writes it: decimal, no leading zero, at most five digits (the range is `checkPort`'s). */
const PORT_PATTERN = /^(0|[1-9][0-9]{0,4})$/;

function checkId(id: string, text: string): void {
  if (id.length === 0) throw new InvalidUPIDError(text, 'empty id');
  if (!ID_PATTERN.test(id)) throw new InvalidUPIDError(text, `id '${id}' has a character outside [A-Za-z0-9_.()-/:]`);
}

function checkHost(host: string, text: string): void {
  if (host.length === 0) throw new InvalidUPIDError(text, 'empty host');
  if (!HOST_PATTERN.test(host)) throw new InvalidUPIDError(text, `host '${host}' is not a host name or IP address`);
}

function checkPort(port: number, text: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidUPIDError(text, `port '${port}' is not an integer in 0..65535`);
  }
}

/** The last address made: nearly every pid a process makes is of one host (its own, or its master's). */
let lastAddress: { host: string; port: number; address: string } | undefined;

/** `host:port`, one string shared by the pids made one after another at the same address (~32 bytes a pid). */
function addressOf(host: string, port: number): string {
  if (lastAddress !== undefined && lastAddress.host === host && lastAddress.port === port) return lastAddress.address;
  const address = [host, port].join(':');
  lastAddress = { host, port, address };
  return address;
}
