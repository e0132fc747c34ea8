import { Command, InvalidArgumentError, Option } from 'commander';
import { FILE_URL_PREFIX, flagFilePath, readBoundedFile } from './flag-file';
import { PACKAGE_VERSION, VERSION } from './version';
import { BYTE_UNITS, formatDuration } from './mesos-format';

/**
 * Command-line flags for the bins, on top of commander. Every flag `--some_flag` can also be
 * set with the environment variable `MESOS_SOME_FLAG` (Mesos' convention); the command line wins.
 */

/**
 * A command whose errors are one line on stderr and exit code 2; `--version` prints
 * `<name> <VERSION> (mesos-ts <PACKAGE_VERSION>)`: the Mesos version it emulates, then its own.
 */
export function createCommand(name: string, description: string): Command {
  return new MesosCommand(name)
    .description(description)
    .version(`${name} ${VERSION} (mesos-ts ${PACKAGE_VERSION})`, '--version', 'print the version and exit')
    .configureOutput({ outputError: (text, write) => write(`${withSpellingHint(text.split('\n')[0] as string, process.argv.slice(2))}\n`) })
    .exitOverride((error) => {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') process.exit(0);
      process.exit(2);
    });
}

/** Placeholder of a boolean flag: `--flag`, `--flag=true|false`, and (as in Mesos) `--no-flag`. */
const BOOLEAN_PLACEHOLDER = '[bool]';

/**
 * A command whose flags behave as Mesos' (stout's `FlagsBase::load`): a flag given twice on the
 * command line is refused rather than the last one silently winning (a unit file's default
 * and an operator's override disagreeing is a mistake to show, not to guess at), and every
 * boolean flag also has its negation `--no-<flag>` (`--no-switch_user`), which Mesos' usage
 * lists as `--[no-]flag`.
 */
class MesosCommand extends Command {
  /** Options given on the command line so far, by attribute (a flag and its `--no-` share one). */
  private readonly given = new Map<string, string>();

  override addOption(option: Option): this {
    super.addOption(option);
    const attribute = option.attributeName();
    this.on(`option:${option.name()}`, () => {
      const earlier = this.given.get(attribute);
      const spelled = option.long ?? option.flags;
      if (earlier !== undefined) {
        const twice = earlier === spelled ? `${spelled} is given twice` : `${earlier} and ${spelled} are one flag, given twice`;
        this.error(`error: ${twice}: as in Mesos, a flag may be given once`, { code: 'mesos.duplicateFlag', exitCode: 2 });
      }
      this.given.set(attribute, spelled);
    });
    if (!option.negate && option.long !== undefined && option.flags.includes(BOOLEAN_PLACEHOLDER)) {
      this.addOption(new Option(`--no-${option.long.slice(2)}`, `${option.long} false`).hideHelp());
    }
    return this;
  }
}

/**
 * A commander error line, with a hint when a required flag is missing but `argv` spells it with
 * dashes (`--work-dir` for `--work_dir`): commander names only the missing flag, not the
 * misspelled one it was given.
 * @example withSpellingHint("error: required option '--work_dir <dir>' not specified", ['--work-dir', '/x'])
 *   // "error: required option '--work_dir <dir>' not specified (got --work-dir: flags are spelled with underscores, as in Mesos)"
 */
export function withSpellingHint(line: string, argv: readonly string[]): string {
  const missing = /required option '(--[a-z0-9_]+)/.exec(line)?.[1];
  if (missing === undefined) return line;
  const given = argv.map((arg) => arg.split('=')[0] as string).find((arg) => arg !== missing && arg.startsWith('--') && `--${arg.slice(2).replace(/-/g, '_')}` === missing);
  return given === undefined ? line : `${line} (got ${given}: flags are spelled with underscores, as in Mesos)`;
}

/** Placeholders of flags whose value is itself a path (or a boolean): `file://` is not read for them. */
const PATH_PLACEHOLDER = /<(path|dir)>|\[bool\]/;

/**
 * The value of a flag that may be given as `file:///path` (Mesos' flags: any value but a path
 * may be read from a file, e.g. `--master=file:///etc/mesos/zk`, `--resources=file:///etc/mesos/resources`):
 * the file's text without its trailing whitespace, bounded by `MAX_FLAG_FILE_BYTES`. Other values
 * are returned as they are.
 */
export function flagValue(value: string): string {
  if (!value.startsWith(FILE_URL_PREFIX)) return value;
  try {
    return readBoundedFile(flagFilePath(value)).trimEnd();
  } catch (error) {
    throw new InvalidArgumentError(`cannot read ${value}: ${(error as Error).message}`);
  }
}

/** How a flag parsed into a number is shown back (`/flags`), by the parser that made the number (`showParsedAs`). */
const DISPLAY_BY_PARSER = new Map<unknown, (value: number) => string>([[parseDurationFlag, formatDuration]]);

/**
 * Flags shown as Mesos prints them rather than as their parsed number (`gc_delay` → `1weeks`),
 * by commander name, each bin's as it declares them: `commandLineFlags` reads it.
 */
export const FLAG_DISPLAY = new Map<string, (value: number) => string>();

/** Flags parsed by `parser` are shown with `format` (a duration flag's is `formatDuration` already). */
export function showParsedAs(parser: (value: string) => number, format: (value: number) => string): void {
  DISPLAY_BY_PARSER.set(parser, format);
}

/** A flag whose parser, if any, sees the value after `file://` is read (see `flagValue`). */
class FlagOption extends Option {
  /** Whether a `file://` value is read (not for paths and booleans). */
  readonly readsFiles = !PATH_PLACEHOLDER.test(this.flags);

  override argParser<T>(parse: (value: string, previous: T) => T): this {
    // Parsed into a number (ms, bytes): `/flags` prints it back as Mesos does, not as the number.
    const display = DISPLAY_BY_PARSER.get(parse);
    if (display !== undefined) FLAG_DISPLAY.set(this.attributeName(), display);
    return super.argParser((value: string, previous: T) => parse(this.readsFiles ? flagValue(value) : value, previous));
  }

  /** Commander's `choices` replaces the parser: the choice is checked after `file://` is read. */
  override choices(values: readonly string[]): this {
    super.choices(values);
    const check = this.parseArg;
    if (this.readsFiles && check !== undefined) this.parseArg = <T>(value: string, previous: T): T => check(flagValue(value), previous);
    return this;
  }
}

/**
 * An option whose value may also come from `MESOS_<LONG_NAME>`, and, unless it names a path or
 * is a boolean, from a file: `--flag=file:///path` (see `flagValue`).
 */
export function flag(flags: string, description: string): Option {
  const option = new FlagOption(flags, description);
  const long = option.long?.replace(/^--/, '');
  if (long) option.env(environmentVariableOf(long));
  if (option.readsFiles) option.argParser((value: string) => value);
  return option;
}

/**
 * The variable that sets flag `long`: `MESOS_<LONG>`, or, when the environment has none, the
 * same name in another case (`MESOS_work_dir`), which Mesos reads too (stout lower-cases the
 * names it takes from the environment); it was ignored without a word.
 */
function environmentVariableOf(long: string): string {
  const upper = `MESOS_${long.toUpperCase().replace(/-/g, '_')}`;
  if (process.env[upper] !== undefined) return upper;
  return Object.keys(process.env).find((name) => name.toUpperCase() === upper) ?? upper;
}

/**
 * Parses a boolean flag as Mesos writes them: `--flag` alone or with an empty value
 * (`--flag=`, `MESOS_FLAG=`: true, as stout takes them), `--flag=true|false`, `1|0`, `yes|no`;
 * `--no-flag` is false (see `createCommand`).
 */
export function parseBooleanFlag(value: string | undefined): boolean {
  if (value === undefined || value === '') return true;
  const lower = value.toLowerCase();
  if (['true', '1', 'yes'].includes(lower)) return true;
  if (['false', '0', 'no'].includes(lower)) return false;
  throw new InvalidArgumentError(`'${value}' is not a boolean (true or false)`);
}

/** Parses a TCP port (0..65535). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^[0-9]+$/.test(value) || port > 65535) throw new InvalidArgumentError(`'${value}' is not a port number (0..65535)`);
  return port;
}

/** Parses a non-negative integer. */
export function parseCount(value: string): number {
  const count = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(count)) throw new InvalidArgumentError(`'${value}' is not a non-negative integer (at most ${Number.MAX_SAFE_INTEGER})`);
  return count;
}

/** Parses a fraction between 0 and 1 inclusive, e.g. `0.1` (Mesos' `--gc_disk_headroom`). */
export function parseFractionFlag(value: string): number {
  const fraction = Number(value);
  if (!/^[0-9]*\.?[0-9]+$/.test(value.trim()) || !(fraction >= 0 && fraction <= 1)) throw new InvalidArgumentError(`'${value}' is not a fraction between 0.0 and 1.0`);
  return fraction;
}

/** Milliseconds in each of Mesos' duration units (stout's `Duration::parse` takes these names only). */
const DURATION_UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6, us: 1e-3, ms: 1, secs: 1000, mins: 60_000, hrs: 3_600_000, days: 86_400_000, weeks: 604_800_000,
};

/** The longest duration Mesos represents (int64 nanoseconds, about 292 years), in ms. */
export const MAX_DURATION_MS = 9_223_372_036_854.775;

/**
 * Parses a duration such as `500ms`, `15secs`, `1.5mins` or `2hrs` (Mesos' syntax: a number, then
 * at once one of `ns`, `us`, `ms`, `secs`, `mins`, `hrs`, `days`, `weeks`); returns ms. As in
 * Mesos a bare number is refused (`30`: seconds or milliseconds?), and so are other spellings of
 * the units (`30s`, `1m`, `1 secs`), which Mesos' bins refuse.
 */
export function parseDuration(value: string): number {
  const match = /^([0-9]*\.?[0-9]*)([A-Za-z]+)$/.exec(value.trim());
  const amount = match === null || !/[0-9]/.test(match[1] as string) ? Number.NaN : Number(match[1]);
  const unitMs = match === null ? undefined : DURATION_UNIT_MS[match[2] as string];
  if (Number.isNaN(amount)) throw new InvalidArgumentError(`'${value}' is not a duration: a number and a unit (e.g. 500ms, 15secs, 1mins)`);
  if (unitMs === undefined) {
    throw new InvalidArgumentError(`'${value}' is not a duration: its unit '${match?.[2] ?? ''}' is none of Mesos' ${Object.keys(DURATION_UNIT_MS).join(', ')} (e.g. 500ms, 15secs, 1mins)`);
  }
  const ms = amount * unitMs;
  if (ms > MAX_DURATION_MS) throw new InvalidArgumentError(`'${value}' is longer than a duration can be (about 292 years, as in Mesos)`);
  return ms;
}

/**
 * Parses a size such as `512MB` or `1gb` as stout's `Bytes::parse` does: a whole number then a
 * unit (B, KB, MB, GB or TB, any case, powers of 1024), nothing between or around them (`3 GB`
 * and ` 3GB` are refused, as Mesos refuses them); returns bytes.
 */
export function parseBytes(value: string): number {
  const match = /^([0-9]+)([A-Za-z]+)$/.exec(value);
  const unit = match === null ? -1 : (BYTE_UNITS as readonly string[]).indexOf((match[2] as string).toUpperCase());
  const bytes = match === null || unit < 0 ? Number.NaN : Number(match[1]) * 1024 ** unit;
  if (!Number.isSafeInteger(bytes)) {
    const spaced = /\s/.test(value) ? ', with no space (as Mesos reads sizes)' : '';
    throw new InvalidArgumentError(`'${value}' is not a size: a whole number and a unit${spaced} (B, KB, MB, GB, TB; e.g. 512MB)`);
  }
  return bytes;
}

/** Parses `host:port` (a master address). */
export function parseHostPort(value: string): string {
  const match = /^([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]):([0-9]{1,5})$/.exec(value.trim());
  if (!match || Number(match[2]) > 65535) throw new InvalidArgumentError(`'${value}' is not host:port`);
  return `${match[1]}:${match[2]}`;
}

/** Parses `--master`: `host:port`, or `zk://host:port[,host:port...]/path` (follow the leader in ZooKeeper). */
export function parseMasterFlag(value: string): string {
  if (!value.trim().startsWith('zk://')) return parseHostPort(value);
  try {
    (require('./ha/zookeeper') as typeof import('./ha/zookeeper')).parseZooKeeperUrl(value.trim());
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return value.trim();
}

/** Parses `--zk`: a `zk://host:port[,host:port...]/path` URL. */
export function parseZooKeeperFlag(value: string): string {
  if (!value.trim().startsWith('zk://')) throw new InvalidArgumentError(`'${value}' is not a ZooKeeper URL (zk://host:port[,host:port...]/path)`);
  return parseMasterFlag(value);
}

/** Parses a resource string (`cpus:1;mem:128`), failing with the resource parser's message. */
export function parseResourceFlag(value: string): string {
  try {
    // Imported lazily so bins that never parse resources do not load the algebra.
    (require('./resources') as typeof import('./resources')).Resources.parse(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return value;
}

/** Parses a duration flag into milliseconds (see `parseDuration`). */
export function parseDurationFlag(value: string): number {
  return parseDuration(value);
}

