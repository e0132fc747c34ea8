/**
 * User and group names by id, as `getpwuid`/`getgrgid` give them, read from `/etc/passwd` and
 * `/etc/group` (Node has no binding for those calls). Each file is parsed once and read again
 * only when its modification time changes; an id with no entry (or no readable file: NSS
 * sources such as LDAP are not consulted) falls back to the number as text, as `ls -l` does.
 */
import { readFile, stat } from 'node:fs/promises';

/** The account database files (`name:x:id:...` lines). */
export const PASSWD_FILE = '/etc/passwd';
export const GROUP_FILE = '/etc/group';

/** Largest account file read (bigger ones are not parsed: ids show as numbers). */
export const MAX_ACCOUNT_FILE_BYTES = 16 * 1024 * 1024;

/** A parsed account file and the modification time it was parsed at. */
interface CachedNames {
  readonly mtimeMs: number;
  readonly names: ReadonlyMap<number, string>;
}

/** Names by id of one `name:password:id:...` file, re-read when it changes. */
export class AccountNames {
  private cached: CachedNames | undefined;

  /** @param file `/etc/passwd` or `/etc/group` (or a test's copy) */
  constructor(private readonly file: string) {}

  /**
   * The name of `id`, or `id` as text when it has none.
   * @example await new AccountNames('/etc/passwd').nameOf(0) // 'root'
   */
  async nameOf(id: number): Promise<string> {
    return (await this.lookup())(id);
  }

  /**
   * Names as the file is now (one `stat`, and a read if it changed): for naming many ids at once,
   * e.g. every entry of a directory listing.
   */
  async lookup(): Promise<(id: number) => string> {
    const names = await this.names();
    return (id) => names.get(id) ?? String(id);
  }

  private async names(): Promise<ReadonlyMap<number, string>> {
    const stats = await stat(this.file).catch(() => undefined);
    if (stats === undefined || stats.size > MAX_ACCOUNT_FILE_BYTES) return new Map();
    if (this.cached !== undefined && this.cached.mtimeMs === stats.mtimeMs) return this.cached.names;
    const text = await readFile(this.file, 'utf8').catch(() => '');
    const names = parseAccountFile(text);
    this.cached = { mtimeMs: stats.mtimeMs, names };
    return names;
  }
}

/**
 * Id → name of the lines of a passwd or group file (the first name wins for a shared id, as
 * `getpwuid` answers; comments and malformed lines are skipped).
 * @example parseAccountFile('root:x:0:0:root:/root:/bin/bash\n').get(0) // 'root'
 */
export function parseAccountFile(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const [name, , idText] = line.split(':');
    if (name === undefined || name === '' || idText === undefined || !/^[0-9]+$/.test(idText)) continue;
    const id = Number(idText);
    if (!names.has(id)) names.set(id, name);
  }
  return names;
}

/** The machine's user names (`/etc/passwd`), shared by whoever lists files. */
export const USER_NAMES = new AccountNames(PASSWD_FILE);
/** The machine's group names (`/etc/group`). */
export const GROUP_NAMES = new AccountNames(GROUP_FILE);
