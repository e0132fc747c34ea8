/**
 * A hostile review of the bins' flags against Mesos' (stout's `FlagsBase::load`,
 * 3rdparty/stout/include/stout/flags/flags.hpp; `Duration::parse`, stout/duration.hpp).
 */
import { expect } from 'chai';
import { CommanderError } from 'commander';
import { createCommand, flag, parseBooleanFlag, parseDuration, parseDurationFlag } from '../../lib/flags';

/** Parses `argv` with a command of a duration, a string and a boolean flag; throws commander's error (with its message) instead of exiting. */
function parse(argv: string[], env: Record<string, string> = {}): Record<string, unknown> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    let message = '';
    const command = createCommand('test', 'test')
      .addOption(flag('--allocation_interval <duration>', 'a duration').argParser(parseDurationFlag))
      .addOption(flag('--work_dir <dir>', 'a path'))
      .addOption(flag('--switch_user [bool]', 'a boolean').argParser(parseBooleanFlag).default(true))
      .configureOutput({ writeErr: () => undefined, outputError: (text) => { message = text; } })
      .exitOverride((error) => {
        throw new CommanderError(error.exitCode, error.code, message || error.message);
      });
    command.parse(argv, { from: 'user' });
    return command.opts();
  } finally {
    for (const name of Object.keys(env)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

describe('lib/flags (hostile review 2)', () => {
  it('refuses a flag given twice, as Mesos does ("Flag ... is already loaded"), rather than the last silently winning', () => {
    expect(() => parse(['--allocation_interval=1secs', '--allocation_interval=2secs'])).to.throw(/--allocation_interval is given twice: as in Mesos, a flag may be given once/);
    expect(() => parse(['--work_dir', '/a', '--work_dir', '/b'])).to.throw(/--work_dir is given twice/);
    expect(() => parse(['--switch_user', '--no-switch_user'])).to.throw(/--switch_user and --no-switch_user are one flag, given twice/);
  });

  it('takes a flag from the command line over its MESOS_ variable (not a duplicate)', () => {
    expect(parse(['--allocation_interval=2secs'], { MESOS_ALLOCATION_INTERVAL: '3secs' })).to.include({ allocation_interval: 2000 });
    expect(parse([], { MESOS_ALLOCATION_INTERVAL: '3secs' })).to.include({ allocation_interval: 3000 });
  });

  it('takes a flag\'s variable in another case too (MESOS_work_dir), as stout does; it was ignored without a word', () => {
    expect(parse([], { MESOS_allocation_interval: '4secs' })).to.include({ allocation_interval: 4000 });
    expect(parse([], { MESOS_ALLOCATION_INTERVAL: '3secs', MESOS_allocation_interval: '4secs' })).to.include({ allocation_interval: 3000 });
  });

  it('takes --no-<flag> for a boolean flag, as Mesos does (--no-switch_user), and only for booleans', () => {
    expect(parse(['--no-switch_user'])).to.include({ switch_user: false });
    expect(parse([])).to.include({ switch_user: true });
    expect(() => parse(['--no-allocation_interval'])).to.throw(/unknown option '--no-allocation_interval'/);
  });

  it('takes Mesos\' duration units only (ns, us, ms, secs, mins, hrs, days, weeks), as stout\'s Duration::parse', () => {
    for (const [text, ms] of [['500ms', 500], ['15secs', 15_000], ['1.5mins', 90_000], ['.5secs', 500], ['2hrs', 7_200_000], ['1days', 86_400_000], ['1weeks', 604_800_000], ['1000us', 1]] as const) {
      expect(parseDuration(text), text).to.equal(ms);
    }
    // Each of these was taken (30s as 30 seconds, 1m as a minute...) where Mesos' bins refuse them.
    for (const bad of ['30s', '1m', '2h', '1d', '1w', '1sec', '1min', '1hr', '1day', '1week', '1SECS']) {
      expect(() => parseDuration(bad), bad).to.throw(/is not a duration: its unit '[a-zA-Z]+' is none of Mesos' ns, us, ms, secs, mins, hrs, days, weeks/);
    }
    expect(() => parseDuration('1 secs')).to.throw(/'1 secs' is not a duration: a number and a unit/);
    expect(() => parseDuration('1000000weeks')).to.throw(/is longer than a duration can be/);
  });

  it('takes a boolean flag with an empty value as true, as stout does (--flag=, MESOS_FLAG=)', () => {
    expect(parseBooleanFlag('')).to.equal(true);
    expect(parse(['--switch_user=false'])).to.include({ switch_user: false });
    expect(parse(['--switch_user='])).to.include({ switch_user: true });
    expect(parse([], { MESOS_SWITCH_USER: 'false' })).to.include({ switch_user: false });
    expect(parse([], { MESOS_SWITCH_USER: '' })).to.include({ switch_user: true });
  });
});
