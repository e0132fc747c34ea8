import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadRateLimits, parseRateLimits, RateLimiter, RateLimiterSet, type RateLimits } from '../../../actors/master/rate-limits';

/** Mesos' example from docs/framework-rate-limiting.md (with its missing comma put back). */
const MESOS_EXAMPLE = '{"limits": [{"principal": "foo", "qps": 55.5, "capacity": 100000}, {"principal": "bar", "qps": 300}, {"principal": "baz"}], '
  + '"aggregate_default_qps": 333, "aggregate_default_capacity": 1000000}';

/** Submits `items` at `nowMs` and returns what the limiter decided for each. */
function submitAll(limiter: RateLimiter<string>, items: string[], nowMs: number): string[] {
  return items.map((item) => limiter.submit(item, nowMs));
}

/** Everything `limiter` releases when each of its timers fires, until nothing waits (the owner's loop). */
function drain(limiter: RateLimiter<string>): Array<[string, number]> {
  const released: Array<[string, number]> = [];
  for (let dueMs = limiter.nextReleaseMs(); dueMs !== undefined; dueMs = limiter.nextReleaseMs()) {
    const item = limiter.release(dueMs);
    if (item === undefined) throw new Error(`nothing released at ${dueMs}, when it was due`);
    released.push([item, dueMs]);
  }
  return released;
}

describe('actors/master/rate-limits', () => {
  it('a clock set back an hour does not hold a principal\'s messages for the hour (audit of clock set-back hazards)', () => {
    const limiter = new RateLimiter<string>(1, 10);
    expect(submitAll(limiter, ['a', 'b'], 3_600_000)).to.deep.equal(['now', 'queued']);
    // The clock now reads an hour less: 'b' goes a permit interval (1 s) after the step, not an hour after.
    expect(limiter.release(1_000)).to.equal(undefined);
    expect(limiter.nextReleaseMs()).to.equal(2_000);
    expect(limiter.release(2_000)).to.equal('b');
    expect(limiter.submit('c', 2_000)).to.equal('queued');
    expect(limiter.nextReleaseMs()).to.equal(3_000);
  });

  describe('parseRateLimits', () => {
    it("parses Mesos' example, in this code base's naming", () => {
      expect(parseRateLimits(MESOS_EXAMPLE)).to.deep.equal({
        limits: [{ principal: 'foo', qps: 55.5, capacity: 100000 }, { principal: 'bar', qps: 300 }, { principal: 'baz' }],
        aggregateDefaultQps: 333,
        aggregateDefaultCapacity: 1000000,
      });
    });

    it('takes an empty list (nothing throttled) and a capacity without qps (ignored, as in Mesos)', () => {
      expect(parseRateLimits('{"limits": []}')).to.deep.equal({ limits: [] });
      expect(parseRateLimits('{"limits": [{"principal": "p", "capacity": 5}]}').limits).to.deep.equal([{ principal: 'p', capacity: 5 }]);
    });

    it("takes '{}' as no limits, as Mesos parses its RateLimits (a repeated field may be absent; a hostile review found it refused)", () => {
      expect(parseRateLimits('{}')).to.deep.equal({ limits: [] });
      expect(parseRateLimits('{"aggregate_default_qps": 2}')).to.deep.equal({ limits: [], aggregateDefaultQps: 2 });
    });

    const rows: Array<[string, string, RegExp]> = [
      ['text that is not JSON', '{limits', /^not valid JSON/],
      ['a value that is not an object', '[1]', /must be a JSON object with "limits"/],
      ['limits that are not an array', '{"limits": {}}', /^limits must be an array, not an object/],
      ['an entry that is not an object', '{"limits": [3]}', /^limits\[0\] must be an object with "principal", not 3/],
      ['an entry without a principal', '{"limits": [{"qps": 1}]}', /^limits\[0\]\.principal must be a string, not undefined/],
      ['an empty principal', '{"limits": [{"principal": ""}]}', /^limits\[0\]\.principal must be a non-empty string/],
      ['a duplicate principal', '{"limits": [{"principal": "a"}, {"principal": "a", "qps": 1}]}', /^limits\[1\]\.principal: duplicate principal 'a'/],
      ['a zero qps', '{"limits": [{"principal": "a", "qps": 0}]}', /^limits\[0\]\.qps must be a positive number, not 0/],
      ['a negative qps', '{"limits": [{"principal": "a", "qps": -3}]}', /^limits\[0\]\.qps must be a positive number, not -3/],
      ['a qps given as text', '{"limits": [{"principal": "a", "qps": "3"}]}', /^limits\[0\]\.qps must be a number, not "3"/],
      ['a fractional capacity', '{"limits": [{"principal": "a", "qps": 1, "capacity": 1.5}]}', /^limits\[0\]\.capacity must be a non-negative integer, not 1.5/],
      ['a misspelt field (which would otherwise mean "unlimited")', '{"limits": [{"principal": "a", "qpss": 1}]}', /^limits\[0\]\.qpss: unknown field/],
      ['an unknown top-level field', '{"limits": [], "aggregate_qps": 1}', /^aggregate_qps: unknown field/],
      ['a non-positive aggregate qps', '{"limits": [], "aggregate_default_qps": 0}', /^aggregate_default_qps must be a positive number, not 0/],
      ['a negative aggregate capacity', '{"limits": [], "aggregate_default_qps": 1, "aggregate_default_capacity": -1}', /^aggregate_default_capacity must be a non-negative integer, not -1/],
    ];
    for (const [what, text, expected] of rows) {
      it(`refuses ${what}, naming the field`, () => {
        expect(() => parseRateLimits(text)).to.throw(expected);
      });
    }
  });

  describe('loadRateLimits', () => {
    let directory: string;
    beforeEach(() => { directory = fs.mkdtempSync(path.join(os.tmpdir(), 'rate-limits-')); });
    afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

    it('takes inline JSON, a file:// URL or a path', () => {
      const file = path.join(directory, 'limits.json');
      fs.writeFileSync(file, MESOS_EXAMPLE);
      const expected = parseRateLimits(MESOS_EXAMPLE);
      expect(loadRateLimits(`  ${MESOS_EXAMPLE}`)).to.deep.equal(expected);
      expect(loadRateLimits(`file://${file}`)).to.deep.equal(expected);
      expect(loadRateLimits(file)).to.deep.equal(expected);
    });

    it('names the file in its errors', () => {
      const file = path.join(directory, 'bad.json');
      fs.writeFileSync(file, '{"limits": [{"principal": "a", "qps": -1}]}');
      expect(() => loadRateLimits(`file://${file}`)).to.throw(`${file}: limits[0].qps must be a positive number, not -1`);
      expect(() => loadRateLimits(path.join(directory, 'missing.json'))).to.throw(/^cannot read .*missing\.json: ENOENT/);
    });
  });

  describe('RateLimiter', () => {
    it('lets one message through per 1000 / qps ms, in arrival order', () => {
      const limiter = new RateLimiter<string>(4);
      expect(submitAll(limiter, ['a', 'b', 'c', 'd'], 0)).to.deep.equal(['now', 'queued', 'queued', 'queued']);
      expect(limiter.nextReleaseMs()).to.equal(250);
      expect(limiter.release(249)).to.equal(undefined);
      expect(drain(limiter)).to.deep.equal([['b', 250], ['c', 500], ['d', 750]]);
      expect(limiter.nextReleaseMs()).to.equal(undefined);
    });

    it('lets a message through at once after a quiet spell, but never two within one interval', () => {
      const limiter = new RateLimiter<string>(10);
      expect(limiter.submit('a', 0)).to.equal('now');
      expect(limiter.submit('b', 5_000)).to.equal('now');
      expect(limiter.submit('c', 5_050)).to.equal('queued');
      expect(limiter.nextReleaseMs()).to.equal(5_100);
    });

    it('queues a message that arrives while others wait, even if its permit would be free (order first)', () => {
      const limiter = new RateLimiter<string>(1);
      submitAll(limiter, ['a', 'b'], 0);
      expect(limiter.submit('c', 10_000)).to.equal('queued');
      expect(limiter.release(10_000)).to.equal('b');
      expect(limiter.release(10_000)).to.equal(undefined);
      expect(limiter.release(11_000)).to.equal('c');
    });

    it('drops counted messages beyond capacity waiting; what was queued still runs', () => {
      const limiter = new RateLimiter<string>(1, 2);
      expect(submitAll(limiter, ['a', 'b', 'c', 'd', 'e'], 0)).to.deep.equal(['now', 'queued', 'queued', 'dropped', 'dropped']);
      expect(limiter.queued).to.equal(2);
      expect(drain(limiter)).to.deep.equal([['b', 1_000], ['c', 2_000]]);
      expect(limiter.submit('f', 2_500)).to.equal('queued');
    });

    it('never drops an uncounted item (a link breaking), which keeps its place in line without using capacity', () => {
      const limiter = new RateLimiter<string>(1, 1);
      submitAll(limiter, ['a', 'b'], 0);
      expect(limiter.submit('exit', 0, false)).to.equal('queued');
      expect(limiter.submit('c', 0)).to.equal('dropped');
      expect(limiter.queued).to.equal(1);
      expect(limiter.waitingCount).to.equal(2);
      expect(drain(limiter).map(([item]) => item)).to.deep.equal(['b', 'exit']);
    });

    it('with capacity 0 queues nothing: what exceeds the rate is dropped', () => {
      const limiter = new RateLimiter<string>(1, 0);
      expect(submitAll(limiter, ['a', 'b'], 0)).to.deep.equal(['now', 'dropped']);
      expect(limiter.submit('c', 1_000)).to.equal('now');
    });

    it('keeps its rate with a fractional interval (55.5 qps) over a long run, without drift', () => {
      const limiter = new RateLimiter<string>(55.5);
      const items = Array.from({ length: 5_551 }, (_, index) => `m${index}`);
      submitAll(limiter, items, 0);
      const released = drain(limiter);
      expect(released).to.have.length(5_550);
      expect(released[released.length - 1]?.[1]).to.be.closeTo(100_000, 0.01);
    });

    it('refuses an impossible rate or capacity (a bug in the caller)', () => {
      expect(() => new RateLimiter<string>(0)).to.throw(/qps must be a positive number/);
      expect(() => new RateLimiter<string>(Number.POSITIVE_INFINITY)).to.throw(/qps must be a positive number/);
      expect(() => new RateLimiter<string>(1, -1)).to.throw(/capacity must be a non-negative integer/);
    });
  });

  describe('RateLimiterSet', () => {
    const rateLimits: RateLimits = {
      limits: [{ principal: 'foo', qps: 10, capacity: 100 }, { principal: 'baz' }],
      aggregateDefaultQps: 1,
      aggregateDefaultCapacity: 5,
    };

    it('gives a listed principal its own limiter, one listed without qps none, and everyone else the shared default', () => {
      const set = new RateLimiterSet<string>(rateLimits);
      const foo = set.limiterFor('foo');
      expect(foo?.qps).to.equal(10);
      expect(foo?.capacity).to.equal(100);
      expect(set.limiterFor('baz')).to.equal(undefined);
      expect(set.limiterFor('qux')).to.equal(set.aggregateDefault);
      expect(set.limiterFor(undefined)).to.equal(set.aggregateDefault);
      expect(set.aggregateDefault?.capacity).to.equal(5);
      expect(set.limiters()).to.have.length(2);
    });

    it('without an aggregate default, unlisted principals are not throttled', () => {
      const set = new RateLimiterSet<string>({ limits: [{ principal: 'foo', qps: 1 }] });
      expect(set.limiterFor('qux')).to.equal(undefined);
      expect(set.limiterFor(undefined)).to.equal(undefined);
    });

    it('unlisted principals share one queue: their messages go through in arrival order at the default rate', () => {
      const set = new RateLimiterSet<string>(rateLimits);
      const qux = set.limiterFor('qux');
      const none = set.limiterFor(undefined);
      expect([qux?.submit('qux-1', 0), none?.submit('none-1', 0), qux?.submit('qux-2', 0)]).to.deep.equal(['now', 'queued', 'queued']);
      expect(drain(set.aggregateDefault as RateLimiter<string>)).to.deep.equal([['none-1', 1_000], ['qux-2', 2_000]]);
    });

    it('refuses an impossible configuration built in code', () => {
      expect(() => new RateLimiterSet<string>({ limits: [{ principal: 'a', qps: -1 }] })).to.throw(/limits\[0\]\.qps must be a positive number/);
    });
  });
});
