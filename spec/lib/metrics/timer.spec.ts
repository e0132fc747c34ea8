import { expect } from 'chai';
import { MetricTimer, SYSTEM_METRICS, systemMetrics, timerStatistics, TIMER_STATISTICS } from '../../../lib/metrics';

describe('lib/metrics/timer: Mesos timer statistics', () => {
  it('reports nothing before the first duration, the last value alone after one, statistics from two on (as Mesos)', () => {
    const timer = new MetricTimer('registrar/state_store_ms', 60_000);
    expect(timer.snapshot(0)).to.deep.equal({});
    timer.record(5, 0);
    expect(timer.snapshot(0)).to.deep.equal({ 'registrar/state_store_ms': 5 });
    timer.record(1, 10);
    const snapshot = timer.snapshot(10);
    expect(Object.keys(snapshot).sort()).to.deep.equal(['registrar/state_store_ms', ...TIMER_STATISTICS.map((statistic) => `registrar/state_store_ms/${statistic}`)].sort());
    expect(snapshot).to.include({ 'registrar/state_store_ms': 1, 'registrar/state_store_ms/count': 2, 'registrar/state_store_ms/min': 1, 'registrar/state_store_ms/max': 5 });
  });

  it('interpolates percentiles linearly between sorted values (Mesos `Statistics`)', () => {
    const statistics = timerStatistics('t_ms', [4, 1, 3, 2, 5]);
    expect(statistics['t_ms/p50']).to.equal(3);
    expect(statistics['t_ms/p90']).to.be.closeTo(4.6, 1e-9);
    expect(statistics['t_ms/p99']).to.be.closeTo(4.96, 1e-9);
    expect(statistics['t_ms/p9999']).to.be.closeTo(4.9996, 1e-9);
    expect(timerStatistics('t_ms', [7])).to.deep.equal({});
  });

  it('forgets durations older than its window, and keeps at most its capacity', () => {
    const timer = new MetricTimer('t_ms', 1_000, 3);
    timer.record(100, 0);
    timer.record(1, 500);
    timer.record(2, 900);
    expect(timer.snapshot(1_200)['t_ms/count']).to.equal(2); // the one at 0 is out of the window
    timer.record(3, 1_300);
    timer.record(4, 1_400);
    expect(timer.snapshot(1_400)).to.include({ 't_ms/count': 3, 't_ms/min': 2, 't_ms/max': 4 });
  });
});

describe('lib/metrics/system: system/* from the OS', () => {
  it('reports every system/* key from the probe', () => {
    const metrics = systemMetrics({ cpus: () => 8, loadAverages: () => [1, 2, 3], totalMemoryBytes: () => 1024, freeMemoryBytes: () => 512 });
    expect(metrics).to.deep.equal({
      'system/cpus_total': 8, 'system/load_1min': 1, 'system/load_5min': 2, 'system/load_15min': 3, 'system/mem_total_bytes': 1024, 'system/mem_free_bytes': 512,
    });
    expect(Object.keys(systemMetrics())).to.deep.equal([...SYSTEM_METRICS]);
    expect(systemMetrics()['system/mem_total_bytes']).to.be.greaterThan(0);
  });
});
