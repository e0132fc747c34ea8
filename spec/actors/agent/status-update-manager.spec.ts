import { UPDATE_OVERHEAD_BYTES } from '../../../lib/protocol';
import { expect } from 'chai';
import type { StatusUpdate, TaskState } from '../../../lib/protocol';
import { TaskStatusUpdateManager } from '../../../actors/agent/status-update-manager';

/** Timers under test control: `advance` fires what falls due, in order. */
class ManualTimers {
  now = 0;
  private timers: Array<{ at: number; callback: () => void; cancelled: boolean }> = [];

  start = <A>(delayMs: number, callback: (arg: A) => void, arg: A): { cancel(): void } => {
    const timer = { at: this.now + delayMs, callback: () => callback(arg), cancelled: false };
    this.timers.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  };

  /**
   * The clock is set back by `ms`: timers already set still fire after the real time they were
   * set for (as a real clock's do: they wait on the monotonic clock), so by this clock they fire early.
   */
  setBack(ms: number): void {
    this.now -= ms;
    for (const timer of this.timers) timer.at -= ms;
  }

  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const due = this.timers.filter((timer) => !timer.cancelled && timer.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.cancelled = true;
      this.now = due.at;
      due.callback();
    }
    this.now = target;
  }
}

function update(taskId: string, state: TaskState, uuid: string, frameworkId = 'F1'): StatusUpdate {
  return { frameworkId, status: { taskId, state }, timestamp: 0, uuid };
}

describe('TaskStatusUpdateManager', () => {
  let timers: ManualTimers;
  let sent: Array<{ at: number; uuid: string | undefined }>;
  let manager: TaskStatusUpdateManager;

  beforeEach(() => {
    timers = new ManualTimers();
    sent = [];
    manager = new TaskStatusUpdateManager({ forward: (u) => sent.push({ at: timers.now, uuid: u.uuid }), startTimer: timers.start, now: () => timers.now });
  });

  it('forwards the head at once and retries after 10, 20, 40 s ... up to 10 min', () => {
    expect(manager.update(update('T1', 'TASK_RUNNING', 'a'))).to.equal('accepted');
    timers.advance(3 * 3600_000);
    const gaps = sent.slice(1).map((entry, index) => entry.at - (sent[index] as { at: number }).at);
    expect(gaps.slice(0, 9)).to.deep.equal([10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000, 600_000]);
  });

  it('retries each head 10 s after it went out, whatever the heads before it waited (one timer per stream)', () => {
    let started = 0;
    let live = 0;
    const counted = new TaskStatusUpdateManager({
      forward: (u) => sent.push({ at: timers.now, uuid: u.uuid }),
      startTimer: (delayMs, callback, arg) => {
        started++;
        live++;
        let done = false;
        const end = (): void => { if (!done) live--; done = true; };
        const timer = timers.start(delayMs, () => { end(); callback(arg); }, undefined);
        return { cancel: () => { end(); timer.cancel(); } };
      },
      now: () => timers.now,
    });
    counted.update(update('T1', 'TASK_STARTING', 'a'));
    timers.advance(2_000);
    counted.acknowledgement('F1', 'T1', 'a');
    counted.update(update('T1', 'TASK_RUNNING', 'b'));
    timers.advance(1_000);
    counted.acknowledgement('F1', 'T1', 'b');
    counted.update(update('T1', 'TASK_RUNNING', 'c'));
    // Three heads went out, with one timer: it fires at 10 s and waits 3 s more for 'c'.
    expect(started).to.equal(1);
    timers.advance(10_000);
    expect(sent.map((entry) => [entry.uuid, entry.at])).to.deep.equal([['a', 0], ['b', 2_000], ['c', 3_000], ['c', 13_000]]);
    // 'c' was retried, so its next try waits 20 s; the head after it waits 10 s, not 20.
    counted.acknowledgement('F1', 'T1', 'c');
    timers.advance(5_000);
    counted.update(update('T1', 'TASK_RUNNING', 'd'));
    timers.advance(10_000);
    expect(sent.slice(4).map((entry) => [entry.uuid, entry.at])).to.deep.equal([['d', 18_000], ['d', 28_000]]);
    // The terminal acknowledgement ends the stream and its timer.
    counted.update(update('T1', 'TASK_FINISHED', 'e'));
    counted.acknowledgement('F1', 'T1', 'd');
    counted.acknowledgement('F1', 'T1', 'e');
    expect(live).to.equal(0);
    expect(counted.streamCount).to.equal(0);
  });

  it('a clock set back does not hold a head for the step: its retry goes when its timer fires (review of the one-timer stream)', () => {
    manager.update(update('T1', 'TASK_STARTING', 'a'));
    manager.acknowledgement('F1', 'T1', 'a');
    timers.advance(2_000);
    manager.update(update('T1', 'TASK_RUNNING', 'b'));
    // The clock steps back an hour; the stream's timer (set at 0 for 10 s) fires 8 s later, and 'b',
    // sent at 2 s, waits 2 s more: it goes 10 s after it went out, as before the step.
    timers.setBack(3_600_000);
    timers.advance(8_000);
    expect(sent.map((entry) => entry.uuid)).to.deep.equal(['a', 'b']);
    timers.advance(2_000);
    expect(sent.map((entry) => entry.uuid)).to.deep.equal(['a', 'b', 'b']);
    timers.advance(20_000);
    expect(sent.map((entry) => entry.uuid)).to.deep.equal(['a', 'b', 'b', 'b']);
  });

  it('keeps each task in order and streams of different tasks independent', () => {
    manager.update(update('T1', 'TASK_RUNNING', 'a'));
    manager.update(update('T1', 'TASK_FINISHED', 'b'));
    manager.update(update('T2', 'TASK_RUNNING', 'c'));
    expect(sent.map((entry) => entry.uuid)).to.deep.equal(['a', 'c']);
    expect(manager.acknowledgement('F1', 'T1', 'a')).to.deep.include({ kind: 'acknowledged', terminated: false });
    expect(sent.map((entry) => entry.uuid)).to.deep.equal(['a', 'c', 'b']);
    expect(manager.acknowledgement('F1', 'T1', 'b')).to.deep.include({ kind: 'acknowledged', terminated: true });
    expect(manager.streamCount).to.equal(1);
  });

  it('keeps what is pending in order across acknowledgements and updates taken between them, at the per-task limit too', () => {
    const small = new TaskStatusUpdateManager({ forward: (u) => sent.push({ at: timers.now, uuid: u.uuid }), startTimer: timers.start, now: () => timers.now, maxPendingPerTask: 3 });
    for (const uuid of ['a', 'b', 'c']) small.update(update('T1', 'TASK_RUNNING', uuid));
    const given = small.pending('F1', 'T1');
    expect(small.update(update('T1', 'TASK_RUNNING', 'd'))).to.equal('refused');
    expect(small.acknowledgement('F1', 'T1', 'a')).to.deep.include({ kind: 'acknowledged', terminated: false });
    const kept = small.pending('F1', 'T1');
    expect(kept.map((pending) => pending.uuid)).to.deep.equal(['b', 'c']);
    expect(small.update(update('T1', 'TASK_RUNNING', 'd'))).to.equal('accepted');
    expect(small.update(update('T1', 'TASK_RUNNING', 'e'))).to.equal('refused');
    expect(small.update(update('T1', 'TASK_RUNNING', 'c'))).to.equal('duplicate');
    expect(small.update(update('T1', 'TASK_RUNNING', 'a'))).to.equal('duplicate');
    expect(small.acknowledgement('F1', 'T1', 'c')).to.deep.equal({ kind: 'unexpected', expectedUuid: 'b' });
    expect(small.acknowledgement('F1', 'T1', 'b')).to.deep.include({ kind: 'acknowledged', terminated: false });
    expect(small.pending('F1', 'T1').map((pending) => pending.uuid)).to.deep.equal(['c', 'd']);
    // What a caller was given earlier is its own: acknowledgements since did not change it.
    expect(kept.map((pending) => pending.uuid)).to.deep.equal(['b', 'c']);
    expect(given.map((pending) => pending.uuid)).to.deep.equal(['a', 'b', 'c']);
    expect(small.acknowledgement('F1', 'T1', 'c')).to.deep.include({ kind: 'acknowledged', terminated: false });
    expect(small.acknowledgement('F1', 'T1', 'd')).to.deep.include({ kind: 'acknowledged', terminated: false });
    expect(small.pending('F1', 'T1')).to.deep.equal([]);
    expect(small.allPending()).to.deep.equal([]);
    expect(small.update(update('T1', 'TASK_FINISHED', 'f'))).to.equal('accepted');
    expect(small.pending('F1', 'T1').map((pending) => pending.uuid)).to.deep.equal(['f']);
    expect(sent.map((entry) => entry.uuid)).to.deep.equal(['a', 'b', 'c', 'd', 'f']);
  });

  it('ignores duplicates, unexpected and unknown acknowledgements', () => {
    manager.update(update('T1', 'TASK_RUNNING', 'a'));
    expect(manager.update(update('T1', 'TASK_RUNNING', 'a'))).to.equal('duplicate');
    expect(manager.acknowledgement('F1', 'T1', 'zzz')).to.deep.equal({ kind: 'unexpected', expectedUuid: 'a' });
    expect(manager.acknowledgement('F1', 'T9', 'a')).to.deep.equal({ kind: 'unknown-stream' });
    manager.update(update('T1', 'TASK_FINISHED', 'b'));
    manager.acknowledgement('F1', 'T1', 'a');
    expect(manager.acknowledgement('F1', 'T1', 'a')).to.deep.equal({ kind: 'duplicate' });
    expect(manager.update(update('T1', 'TASK_RUNNING', 'a'))).to.equal('duplicate');
    expect(sent.map((entry) => entry.uuid)).to.deep.equal(['a', 'b']);
  });

  it('refuses updates without a uuid and beyond the per-task limit', () => {
    const small = new TaskStatusUpdateManager({ forward: () => undefined, startTimer: timers.start, now: () => timers.now, maxPendingPerTask: 2 });
    expect(small.update({ frameworkId: 'F1', status: { taskId: 'T1', state: 'TASK_RUNNING' }, timestamp: 0 })).to.equal('refused');
    expect(small.update(update('T1', 'TASK_RUNNING', 'a'))).to.equal('accepted');
    expect(small.update(update('T1', 'TASK_RUNNING', 'b'))).to.equal('accepted');
    expect(small.update(update('T1', 'TASK_RUNNING', 'c'))).to.equal('refused');
  });

  it("refuses a framework's updates past its byte bound across its tasks; an acknowledgement, a terminal one's end or a cleanup makes room (security review: 3 MiB updates never acknowledged filled an agent's heap)", () => {
    const bound = 3 * (UPDATE_OVERHEAD_BYTES + 1000);
    const small = new TaskStatusUpdateManager({ forward: () => undefined, startTimer: timers.start, now: () => timers.now, maxPendingBytesPerFramework: bound });
    const weighty = (taskId: string, state: TaskState, uuid: string, frameworkId = 'F1'): StatusUpdate => ({ ...update(taskId, state, uuid, frameworkId), status: { taskId, state, data: 'd'.repeat(1000) } });
    expect(small.update(weighty('T1', 'TASK_RUNNING', 'a'))).to.equal('accepted');
    expect(small.update(weighty('T2', 'TASK_RUNNING', 'b'))).to.equal('accepted');
    expect(small.update(weighty('T3', 'TASK_RUNNING', 'c'))).to.equal('accepted');
    expect(small.hasRoom(weighty('T4', 'TASK_RUNNING', 'd')), 'a fourth, on another task').to.equal(false);
    expect(small.update(weighty('T4', 'TASK_RUNNING', 'd'))).to.equal('refused');
    // The agent's own update (a lost task) goes through whatever the framework holds: nothing would send it again.
    expect(small.update(update('T9', 'TASK_LOST', 'lost'), true, true)).to.equal('accepted');
    expect(small.acknowledgement('F1', 'T9', 'lost')).to.deep.include({ kind: 'acknowledged', terminated: true });
    expect(small.update(weighty('T1', 'TASK_RUNNING', 'x', 'F2')), "another framework's").to.equal('accepted');
    expect(small.acknowledgement('F1', 'T1', 'a').kind).to.equal('acknowledged');
    expect(small.update(weighty('T4', 'TASK_RUNNING', 'd'))).to.equal('accepted');
    small.cleanup('F1');
    for (const [taskId, uuid] of [['T5', 'e'], ['T6', 'f'], ['T7', 'g']] as const) expect(small.update(weighty(taskId, 'TASK_FINISHED', uuid)), taskId).to.equal('accepted');
    expect(small.acknowledgement('F1', 'T5', 'e')).to.deep.include({ kind: 'acknowledged', terminated: true });
    expect(small.update(weighty('T8', 'TASK_RUNNING', 'h'))).to.equal('accepted');
  });

  it('sends nothing while paused and re-sends every head at once on resume', () => {
    manager.pause();
    manager.update(update('T1', 'TASK_RUNNING', 'a'));
    timers.advance(60_000);
    expect(sent).to.deep.equal([]);
    manager.resume();
    expect(sent.map((entry) => entry.uuid)).to.deep.equal(['a']);
    timers.advance(10_000);
    expect(sent).to.have.length(2);
  });

  it('drops a framework\'s streams on cleanup', () => {
    manager.update(update('T1', 'TASK_RUNNING', 'a'));
    manager.update(update('T2', 'TASK_RUNNING', 'b', 'F2'));
    manager.cleanup('F1');
    timers.advance(10_000);
    expect(sent.map((entry) => entry.uuid)).to.deep.equal(['a', 'b', 'b']);
    expect(manager.pending('F1', 'T1')).to.deep.equal([]);
  });
});
