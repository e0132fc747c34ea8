import { expect } from 'chai';
import { parseDuration } from '../../lib/flags';
import { formatBytes, formatDuration } from '../../lib/mesos-format';

describe('lib/mesos-format: values as Mesos prints them in its flags', () => {
  it('durations take the largest unit that keeps them whole (stout Duration output)', () => {
    const cases: Array<[number, string]> = [
      [0, '0ns'], [0.000_5, '500ns'], [0.001, '1us'], [1, '1ms'], [1_500, '1500ms'], [1_000, '1secs'], [5_000, '5secs'],
      [15_000, '15secs'], [60_000, '1mins'], [90_000, '90secs'], [600_000, '10mins'], [3_600_000, '1hrs'], [5_400_000, '90mins'],
      [86_400_000, '1days'], [604_800_000, '1weeks'], [1_209_600_000, '2weeks'], [864_000_000, '10days'], [-5_000, '-5secs'],
    ];
    for (const [ms, text] of cases) expect(formatDuration(ms), String(ms)).to.equal(text);
  });

  it('a duration that no unit keeps whole is printed in its own bucket, as a decimal', () => {
    expect(formatDuration(1_500.5)).to.equal('1.5005secs');
    expect(formatDuration(100_000.5)).to.equal('1.666675mins');
  });

  it('round-trips through parseDuration, the flag parser', () => {
    for (const ms of [1, 999, 1_000, 61_000, 3_600_000, 7_200_000, 86_400_000 * 3]) expect(parseDuration(formatDuration(ms)), String(ms)).to.equal(ms);
  });

  it('refuses what is not a finite duration', () => {
    expect(() => formatDuration(Number.NaN)).to.throw(/not a finite duration/);
    expect(() => formatDuration(Number.POSITIVE_INFINITY)).to.throw(/not a finite duration/);
  });

  it('sizes are raised a unit only while that loses nothing (stout Bytes output)', () => {
    const cases: Array<[number, string]> = [[0, '0B'], [1_500, '1500B'], [1_024, '1KB'], [32 * 1024 ** 2, '32MB'], [1024 ** 3, '1GB'], [1024 ** 4 * 3, '3TB'], [1024 ** 5, '1024TB'], [1_536 * 1024, '1536KB']];
    for (const [bytes, text] of cases) expect(formatBytes(bytes), String(bytes)).to.equal(text);
    expect(() => formatBytes(-1)).to.throw(/not a byte count/);
    expect(() => formatBytes(1.5)).to.throw(/not a byte count/);
  });
});
