/**
 * Dynamic reservations with the real bins: an operator reserves an agent's resources over HTTP,
 * the agent keeps them on disk (`meta/resources/resources.info`), and they outlive a `kill -9` of
 * the agent and then of the master (whose registry does not hold them: the re-registering agent
 * reports them); the operator's unreserve empties the file.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dynamicReservation, Resources } from '../../lib/resources';
import { eventuallyAsync, within } from '../support/runtime';
import { freePort, realBinsHooks } from './processes';

type Json = Record<string, unknown>;

describe('dynamic reservations across agent and master restarts (real bins)', function () {
  this.timeout(90_000);
  const { start, json, masterAgent, workDir: dir } = realBinsHooks('reservations-real-');

  it('an operator\'s reservation is kept by the agent on disk, survives kill -9 of the agent and of the master, and /unreserve empties it', async () => {
    const masterPort = await freePort();
    const agentPort = await freePort();
    const master = `127.0.0.1:${masterPort}`;
    const masterArgs = ['--port', String(masterPort), '--ip', '127.0.0.1', '--work_dir', path.join(dir(), 'master')];
    const agentArgs = ['--master', master, '--port', String(agentPort), '--work_dir', path.join(dir(), 'agent'), '--resources', 'cpus:2;mem:1024', '--registration_backoff_factor', '100ms'];
    let masterBin = start('mesos-master', masterArgs);
    await masterBin.waitFor(/master@/);
    let agent = start('mesos-agent', agentArgs);
    const { id } = await masterAgent(master, () => true, 'the agent to register') as { id: string };

    const reserved = Resources.parse('cpus:1;mem:256').reservedDynamically('eng', dynamicReservation());
    const answer = await within(fetch(`http://${master}/master/reserve`, { method: 'POST', body: new URLSearchParams({ slaveId: id, resources: JSON.stringify(reserved.toJSON()) }) }), 5_000, '/master/reserve');
    expect(answer.status, await answer.text()).to.equal(202);
    const file = path.join(dir(), 'agent', 'meta', 'resources', 'resources.info');
    const onDisk = (): Resources => Resources.fromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
    await eventuallyAsync(() => Promise.resolve(fs.existsSync(file) && onDisk().equals(reserved)), 10_000, 'the agent to write its reservations');
    const reservedOf = (agentJson: Json): Resources => Resources.fromJSON(((agentJson.reserved_resources_full as Record<string, unknown[]> | undefined)?.eng) ?? []);

    agent.kill('SIGKILL');
    await agent.exited;
    agent = start('mesos-agent', agentArgs);
    await masterAgent(master, (row) => row.id === id && (row.reregistered_time !== undefined), 'the agent to re-register');
    const own = await json(`http://127.0.0.1:${agentPort}/slave(1)/state`);
    expect(reservedOf(own).equals(reserved), JSON.stringify(own.reserved_resources_full)).to.equal(true);

    masterBin.kill('SIGKILL');
    await masterBin.exited;
    masterBin = start('mesos-master', masterArgs);
    await masterBin.waitFor(/master@/);
    const recovered = await masterAgent(master, (row) => row.id === id, 'the agent to re-register with the new master');
    expect(reservedOf(recovered).equals(reserved), JSON.stringify(recovered.reserved_resources_full)).to.equal(true);
    expect((recovered.unreserved_resources as Json).cpus).to.equal(1);

    const undone = await within(fetch(`http://${master}/master/unreserve`, { method: 'POST', body: new URLSearchParams({ slaveId: id, resources: JSON.stringify(reserved.toJSON()) }) }), 5_000, '/master/unreserve');
    expect(undone.status, await undone.text()).to.equal(202);
    await eventuallyAsync(() => Promise.resolve(onDisk().isEmpty()), 10_000, 'the agent to write that it has none');
    await masterAgent(master, (row) => Object.keys(row.reserved_resources_full as Json).length === 0, 'the master to show none');
  });
});
