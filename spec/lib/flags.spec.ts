/** Flags as strict as Mesos' (issue 10): durations need a unit, counts are safe integers, booleans parse as Mesos writes them. */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCommand, flag, parseBooleanFlag, parseBytes, withSpellingHint, parseCount, parseDuration, parseFractionFlag, parseResourceFlag } from '../../lib/flags';
import { readBoundedFile } from '../../lib/flag-file';
import { parseAttributesFlag, parseConnectionsPerIp, parseLinkBacklogFlag } from '../../bin/server';

describe('lib/flags', () => {
  it('a duration needs a unit', () => {
    expect(parseDuration('15secs')).to.equal(15_000);
    expect(parseDuration('1.5mins')).to.equal(90_000);
    for (const bad of ['30', '', 'secs', '-1secs', '1 fortnight']) expect(() => parseDuration(bad), bad).to.throw(/is not a duration/);
  });

  it('a count is a non-negative safe integer', () => {
    expect(parseCount('0')).to.equal(0);
    expect(parseCount('100')).to.equal(100);
    for (const bad of ['-1', '1.5', '1e3', '', '9007199254740993']) expect(() => parseCount(bad), bad).to.throw(/is not a non-negative integer/);
  });

  it('--attributes is checked as the flag is read, naming the bad part', () => {
    expect(parseAttributesFlag('rack:r1;zone:z2')).to.equal('rack:r1;zone:z2');
    expect(() => parseAttributesFlag(':')).to.throw("invalid attribute name '' in ':'");
    expect(() => parseAttributesFlag('rack')).to.throw("invalid attribute 'rack': expected name:value");
  });

  it('--max_connections_per_ip is a count of at least 1 (0 would refuse every connection)', () => {
    expect(parseConnectionsPerIp('1')).to.equal(1);
    expect(parseConnectionsPerIp('4096')).to.equal(4096);
    expect(() => parseConnectionsPerIp('0')).to.throw(/would refuse every connection/);
    expect(() => parseConnectionsPerIp('-3')).to.throw(/is not a non-negative integer/);
  });

  it('a size is a whole number and a unit, B to TB in powers of 1024; --max_link_backlog is at least 1MB', () => {
    for (const [text, value] of [['512B', 512], ['2KB', 2048], ['1MB', 1024 ** 2], ['1gb', 1024 ** 3], ['3GB', 3 * 1024 ** 3], ['1TB', 1024 ** 4]] as const) expect(parseBytes(text), text).to.equal(value);
    for (const bad of ['1024', '', 'GB', '1.5GB', '-1MB', '1PB', '99999999999999TB']) expect(() => parseBytes(bad), bad).to.throw(/is not a size: a whole number and a unit/);
    expect(parseLinkBacklogFlag('2GB')).to.equal(2 * 1024 ** 3);
    expect(() => parseLinkBacklogFlag('512KB')).to.throw(/'512KB' is below 1MB/);
  });

  it('a required flag given with dashes gets a hint naming what was given (commander named only the missing one)', () => {
    const line = "error: required option '--work_dir <dir>' not specified";
    expect(withSpellingHint(line, ['--master', 'm:5050', '--work-dir', '/x'])).to.equal(`${line} (got --work-dir: flags are spelled with underscores, as in Mesos)`);
    expect(withSpellingHint(line, ['--work-dir=/x'])).to.equal(`${line} (got --work-dir: flags are spelled with underscores, as in Mesos)`);
    expect(withSpellingHint(line, ['--workdir', '/x'])).to.equal(line);
    expect(withSpellingHint("error: unknown option '--nope'", ['--nope'])).to.equal("error: unknown option '--nope'");
  });

  it('a boolean is true alone, or true/false, 1/0, yes/no', () => {
    expect(parseBooleanFlag(undefined)).to.equal(true);
    for (const yes of ['true', 'TRUE', '1', 'yes']) expect(parseBooleanFlag(yes), yes).to.equal(true);
    for (const no of ['false', '0', 'no']) expect(parseBooleanFlag(no), no).to.equal(false);
    expect(() => parseBooleanFlag('maybe')).to.throw(/'maybe' is not a boolean/);
  });

  it('a fraction is a number from 0 to 1 (--gc_disk_headroom)', () => {
    for (const [text, value] of [['0', 0], ['0.1', 0.1], ['.5', 0.5], ['1', 1], ['1.0', 1]] as const) expect(parseFractionFlag(text), text).to.equal(value);
    for (const bad of ['-0.1', '1.5', '', 'abc', '1e-1']) expect(() => parseFractionFlag(bad), bad).to.throw(/is not a fraction between 0.0 and 1.0/);
  });

  describe('file:// values (Mesos: any flag but a path may be read from a file)', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flags-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Parses `argv` with a command of three flags: resources (parsed), a plain string, and a path. */
    function parse(argv: string[]): Record<string, unknown> {
      const command = createCommand('test', 'test')
        .addOption(flag('--resources <resources>', 'resources').argParser(parseResourceFlag))
        .addOption(flag('--name <name>', 'a name'))
        .addOption(flag('--trace_file <path>', 'a path'))
        .configureOutput({ writeErr: () => undefined })
        .exitOverride((error) => {
          throw error;
        });
      command.parse(argv, { from: 'user' });
      return command.opts();
    }

    it('reads a resources file and parses its text, and a plain flag from a file', () => {
      fs.writeFileSync(path.join(dir, 'resources'), 'cpus:2;mem:512\n');
      fs.writeFileSync(path.join(dir, 'name'), 'from-a-file\n\n');
      const options = parse(['--resources', `file://${dir}/resources`, '--name', `file://${dir}/name`]);
      expect(options).to.include({ resources: 'cpus:2;mem:512', name: 'from-a-file' });
    });

    it('reads the file before checking a choice, and bounds a file whose size the file system does not report (/proc)', () => {
      fs.writeFileSync(path.join(dir, 'level'), 'debug\n');
      const command = createCommand('test', 'test')
        .addOption(flag('--log_level <level>', 'level').choices(['info', 'debug']))
        .configureOutput({ writeErr: () => undefined })
        .exitOverride((error) => {
          throw error;
        });
      command.parse(['--log_level', `file://${dir}/level`], { from: 'user' });
      expect(command.opts()).to.include({ log_level: 'debug' });
      expect(readBoundedFile('/proc/self/status')).to.match(/^Name:/);
      expect(() => readBoundedFile('/proc/self/status', 16)).to.throw(/more than the 16 bytes allowed/);
    });

    it('keeps a path flag as the path it names', () => {
      expect(parse(['--trace_file', `file://${dir}/trace`])).to.include({ trace_file: `file://${dir}/trace` });
    });

    it('names the flag and the file when the file cannot be read or its text is bad', () => {
      expect(() => parse(['--name', `file://${dir}/missing`])).to.throw(/--name.*cannot read file:\/\/.*missing: ENOENT/);
      fs.mkdirSync(path.join(dir, 'adir'));
      expect(() => parse(['--name', `file://${dir}/adir`])).to.throw(/not a regular file/);
      fs.writeFileSync(path.join(dir, 'bad'), 'cpus:lots');
      expect(() => parse(['--resources', `file://${dir}/bad`])).to.throw(/--resources.*cpus/);
    });
  });
});
