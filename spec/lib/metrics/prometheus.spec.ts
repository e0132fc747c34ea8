import { expect } from 'chai';
import { prometheusName, prometheusSeries, PROMETHEUS_CONTENT_TYPE, renderPrometheus, type MetricKind } from '../../../lib/metrics';
import { parsePrometheusText } from '../../support/prometheus-text';

const gauges = (): MetricKind => 'gauge';

describe('lib/metrics/prometheus: a snapshot as Prometheus text', () => {
  it('renders Mesos keys as mesos_<key> gauges with HELP naming the key, in text format 0.0.4', async () => {
    const text = await renderPrometheus({ 'master/tasks_running': 3, 'system/load_1min': 0.25 }, gauges);
    const families = parsePrometheusText(text);
    expect(families.get('mesos_master_tasks_running')).to.deep.equal({ type: 'gauge', help: "Mesos' master/tasks_running", samples: [{ labels: {}, value: 3 }] });
    expect(families.get('mesos_system_load_1min')?.samples).to.deep.equal([{ labels: {}, value: 0.25 }]);
    expect(PROMETHEUS_CONTENT_TYPE).to.match(/^text\/plain; version=0\.0\.4/);
  });

  it('counters end in _total; our own keys (mesos_ts/...) render as mesos_ts_..., and HELP says they are not Mesos\'', async () => {
    const kinds = (key: string): MetricKind => (key === 'master/slave_removals' || key.startsWith('mesos_ts/') ? 'counter' : 'gauge');
    const families = parsePrometheusText(await renderPrometheus({ 'master/slave_removals': 2, 'mesos_ts/master/allocator_refusals': 0, 'master/cpus_total': 4 }, kinds));
    expect(families.get('mesos_master_slave_removals_total')).to.include({ type: 'counter' });
    expect(families.get('mesos_master_slave_removals_total')?.samples[0]?.value).to.equal(2);
    expect(families.get('mesos_ts_master_allocator_refusals_total')).to.include({ type: 'counter', help: "mesos-ts' own mesos_ts/master/allocator_refusals (not a Mesos metric)" });
    expect(families.get('mesos_master_cpus_total')).to.include({ type: 'gauge' }); // a Mesos gauge named *_total stays as it is
    expect([...families.keys()].some((name) => name.startsWith('mesos_mesos_ts'))).to.equal(false);
  });

  it('turns roles, resources and principals into labels', async () => {
    const snapshot = {
      'allocator/mesos/roles/eng/shares/dominant': 0.5,
      'allocator/mesos/roles/eng/web/shares/dominant': 0.25,
      'allocator/mesos/resources/cpus/total': 8,
      'allocator/mesos/resources/mem/offered_or_allocated': 1024,
      'allocator/mesos/offer_filters/roles/*/active': 1,
      'frameworks/ops/messages_received': 7,
      'allocator/mesos/quota/roles/eng/resources/cpus/limit': 2,
    };
    const families = parsePrometheusText(await renderPrometheus(snapshot, (key) => (key.startsWith('frameworks/') ? 'counter' : 'gauge')));
    expect(families.get('mesos_allocator_mesos_roles_shares_dominant')?.samples).to.deep.equal([
      { labels: { role: 'eng' }, value: 0.5 }, { labels: { role: 'eng/web' }, value: 0.25 },
    ]);
    expect(families.get('mesos_allocator_mesos_roles_shares_dominant')?.help).to.equal("Mesos' allocator/mesos/roles/<role>/shares/dominant");
    expect(families.get('mesos_allocator_mesos_resources_total')?.samples).to.deep.equal([{ labels: { resource: 'cpus' }, value: 8 }]);
    expect(families.get('mesos_allocator_mesos_resources_offered_or_allocated')?.samples).to.deep.equal([{ labels: { resource: 'mem' }, value: 1024 }]);
    expect(families.get('mesos_allocator_mesos_offer_filters_roles_active')?.samples).to.deep.equal([{ labels: { role: '*' }, value: 1 }]);
    expect(families.get('mesos_frameworks_messages_received_total')).to.deep.include({ type: 'counter', samples: [{ labels: { principal: 'ops' }, value: 7 }] });
    expect(families.get('mesos_allocator_mesos_quota_roles_resources_limit')?.samples).to.deep.equal([{ labels: { role: 'eng', resource: 'cpus' }, value: 2 }]);
  });

  it("renders master/<state>/<source>/<reason> as one labelled counter family", async () => {
    const key = 'master/task_failed/source_slave/reason_executor_terminated';
    const families = parsePrometheusText(await renderPrometheus({ [key]: 2 }, () => 'counter'));
    expect(families.get('mesos_master_task_state_reasons_total')).to.deep.equal({
      type: 'counter', help: "Mesos' master/<state>/<source>/<reason>",
      samples: [{ labels: { state: 'task_failed', source: 'source_slave', reason: 'reason_executor_terminated' }, value: 2 }],
    });
  });

  it('escapes a label value with quotes, backslashes and newlines (a principal may hold them), and a strict parser reads it back', async () => {
    const principal = 'we"ird\\prin/cipal\nnext';
    const text = await renderPrometheus({ [`frameworks/${principal}/messages_processed`]: 1 }, () => 'counter');
    expect(text).to.include('principal="we\\"ird\\\\prin/cipal\\nnext"');
    const samples = parsePrometheusText(text).get('mesos_frameworks_messages_processed_total')?.samples;
    expect(samples).to.deep.equal([{ labels: { principal }, value: 1 }]);
  });

  it("renders a timer's window statistics as <timer>_window{quantile}, _window_count, _window_min and _window_max", async () => {
    const key = 'allocator/mesos/allocation_run_ms';
    const snapshot = { [key]: 2, [`${key}/count`]: 3, [`${key}/min`]: 1, [`${key}/max`]: 4, [`${key}/p50`]: 2, [`${key}/p9999`]: 3.9997 };
    const families = parsePrometheusText(await renderPrometheus(snapshot, gauges));
    expect(families.get('mesos_allocator_mesos_allocation_run_ms')?.samples).to.deep.equal([{ labels: {}, value: 2 }]);
    expect(families.get('mesos_allocator_mesos_allocation_run_ms_window')?.samples).to.deep.equal([
      { labels: { quantile: '0.5' }, value: 2 }, { labels: { quantile: '0.9999' }, value: 3.9997 },
    ]);
    expect(families.get('mesos_allocator_mesos_allocation_run_ms_window_count')?.samples[0]?.value).to.equal(3);
    expect(families.get('mesos_allocator_mesos_allocation_run_ms_window_min')?.samples[0]?.value).to.equal(1);
    expect(families.get('mesos_allocator_mesos_allocation_run_ms_window_max')?.samples[0]?.value).to.equal(4);
  });

  it('leaves out values that are not finite numbers, negative counters, and a second key spelling a series already rendered', async () => {
    const snapshot = { 'a/b': Number.NaN, 'c/d': Number.POSITIVE_INFINITY, 'e/f': -1, 'g/h_i': 1, 'g/h/i': 2 };
    const text = await renderPrometheus(snapshot, (key) => (key === 'e/f' ? 'counter' : 'gauge'));
    const families = parsePrometheusText(text);
    expect(families.get('mesos_a_b')?.samples ?? []).to.deep.equal([]);
    expect(families.get('mesos_c_d')?.samples ?? []).to.deep.equal([]);
    expect(families.get('mesos_e_f_total')?.samples ?? []).to.deep.equal([]);
    expect(families.get('mesos_g_h_i')?.samples).to.deep.equal([{ labels: {}, value: 2 }]); // 'g/h/i' sorts first
  });

  it('names: every character outside [A-Za-z0-9_] becomes _; series of labelled keys keep the variable part out of the name', () => {
    expect(prometheusName('master/slave_removals/reason_unhealthy', 'counter')).to.equal('mesos_master_slave_removals_reason_unhealthy_total');
    expect(prometheusName('slave/tasks_running', 'gauge')).to.equal('mesos_slave_tasks_running');
    expect(prometheusSeries('allocator/mesos/roles/a.b-c/shares/dominant')).to.deep.include({ family: 'allocator/mesos/roles/shares/dominant', labels: { role: 'a.b-c' } });
  });
});

describe('spec/support/prometheus-text: the strict parser refuses what the format does not allow', () => {
  const bad: Array<[string, string]> = [
    ['no trailing newline', 'x 1'],
    ['a bad escape in a label value', 'x{a="\\t"} 1\n'],
    ['an unknown TYPE', '# TYPE x gauges\nx 1\n'],
    ['TYPE after samples', 'x 1\n# TYPE x gauge\n'],
    ['a series twice', 'x{a="1"} 1\nx{a="1"} 2\n'],
    ['a family split in two', 'x 1\ny 1\nx{a="1"} 1\n'],
    ['a bad value', 'x one\n'],
    ['a bad metric name', '1x 1\n'],
  ];
  for (const [what, text] of bad) {
    it(`refuses ${what}`, () => {
      expect(() => parsePrometheusText(text)).to.throw(/line|newline/);
    });
  }
});
