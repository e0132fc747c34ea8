import { expect } from 'chai';
import { FileTimes, slowestFilesText } from './file-times';

describe('test summary: time by spec file', () => {
  it("gives each file the time from the last test or hook's end to its own test's or hook's end, slowest first", () => {
    let now = 1_000;
    const times = new FileTimes(() => now);
    now += 500; times.ended('/x/dist/spec/a.spec.js'); // a's before hook
    now += 100; times.ended('/x/dist/spec/a.spec.js');
    now += 2_000; times.ended('/x/dist/spec/b.spec.js');
    now += 400; times.ended(undefined);
    expect(times.total()).to.equal(3_000);
    const slowest = times.slowest(2);
    expect(slowest.map(([, ms]) => ms)).to.deep.equal([2_000, 600]);
    expect(slowest[0]?.[0]).to.match(/b\.spec\.js$/);
    const text = slowestFilesText(times, 3);
    expect(text.split('\n')[0]).to.equal('slowest spec files (of 3 s in all):');
    expect(text).to.match(/2\.0 s\s+67%\s+\S*b\.spec\.js/).and.to.match(/0\.4 s\s+13%\s+\(no file\)/);
  });
});
