/**
 * Persistent volumes with the real bins: an operator reserves an agent's disk and makes a volume
 * of it over HTTP (`/master/reserve`, `/master/create-volumes`); the agent makes the volume's
 * directory (`<work_dir>/volumes/roles/<role>/<id>`), a task run by `mesos-execute` writes into it
 * through the link in its sandbox, the directory and the file outlive a `kill -9` of the agent,
 * and `/master/destroy-volumes` removes the directory.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dynamicReservation, Resources, type ResourceJSON } from '../../lib/resources';
import { eventuallyAsync, within } from '../support/runtime';
import { freePort, realBinsHooks } from './processes';


describe('persistent volumes across an agent restart (real bins)', function () {
  this.timeout(90_000);
  const { start, json, masterAgent, workDir: dir } = realBinsHooks('volumes-real-');

  /** POSTs `fields` as a form to the master's `endpoint`; expects 202. */
  async function operator(master: string, endpoint: string, fields: Record<string, string>): Promise<void> {
    const answer = await within(fetch(`http://${master}${endpoint}`, { method: 'POST', body: new URLSearchParams(fields) }), 5_000, endpoint);
    expect(answer.status, `${endpoint}: ${await answer.text()}`).to.equal(202);
  }

  it('an operator\'s volume gets a directory on the agent; a task writes into it; it outlives kill -9 of the agent; destroy-volumes removes it', async () => {
    const masterPort = await freePort();
    const agentPort = await freePort();
    const master = `127.0.0.1:${masterPort}`;
    const agentWorkDir = path.join(dir(), 'agent');
    await start('mesos-master', ['--port', String(masterPort), '--ip', '127.0.0.1', '--work_dir', path.join(dir(), 'master')]).waitFor(/master@/);
    const agentArgs = ['--master', master, '--port', String(agentPort), '--work_dir', agentWorkDir, '--resources', 'cpus:2;mem:1024;disk:512', '--registration_backoff_factor', '100ms'];
    let agent = start('mesos-agent', agentArgs);
    const { id } = await masterAgent(master, () => true, 'the agent to register') as { id: string };

    // Reserve disk to `eng` (no principal: this master runs without authentication), then make a volume of it.
    const disk = Resources.parse('disk:64').reservedDynamically('eng', dynamicReservation());
    await operator(master, '/master/reserve', { slaveId: id, resources: JSON.stringify(disk.toJSON()) });
    const volume: ResourceJSON = { name: 'disk', type: 'SCALAR', scalar: { value: 64 }, role: 'eng', reservation: {}, disk: { persistence: { id: 'pv1' }, volume: { container_path: 'data', mode: 'RW' } } };
    await operator(master, '/master/create-volumes', { slaveId: id, volumes: JSON.stringify([volume]) });
    const directory = path.join(agentWorkDir, 'volumes', 'roles', 'eng', 'pv1');
    await eventuallyAsync(() => Promise.resolve(fs.existsSync(directory)), 10_000, 'the agent to make the volume\'s directory');

    // A framework of role `eng` is offered the volume; its task uses it whole and writes through the link.
    const taskResources = JSON.stringify([...Resources.parse('cpus:0.1;mem:32').toJSON(), volume]);
    const execute = start('mesos-execute', ['--master', master, '--name', 'writer', '--role', 'eng', '--resources', taskResources, '--command', 'echo kept > data/file.txt', '--offer_wait_timeout', '30secs']);
    const code = await within(execute.exited, 40_000, 'mesos-execute to end');
    expect(code, `${execute.stdout}\n${execute.stderr}`).to.equal(0);
    expect(fs.readFileSync(path.join(directory, 'file.txt'), 'utf8')).to.equal('kept\n');

    agent.kill('SIGKILL');
    await agent.exited;
    agent = start('mesos-agent', agentArgs);
    await masterAgent(master, (row) => row.id === id && row.reregistered_time !== undefined, 'the agent to re-register');
    expect(fs.readFileSync(path.join(directory, 'file.txt'), 'utf8')).to.equal('kept\n');
    const state = await json(`http://127.0.0.1:${agentPort}/slave(1)/state`);
    const reserved = ((state.reserved_resources_full as Record<string, ResourceJSON[]> | undefined)?.eng) ?? [];
    expect(reserved.map((entry) => entry.disk), JSON.stringify(reserved)).to.deep.equal([volume.disk]);

    await operator(master, '/master/destroy-volumes', { slaveId: id, volumes: JSON.stringify([volume]) });
    await eventuallyAsync(() => Promise.resolve(!fs.existsSync(directory)), 10_000, 'the agent to remove the volume\'s directory');
    await masterAgent(master, (row) => ((row.reserved_resources_full as Record<string, ResourceJSON[]>).eng ?? []).every((entry) => entry.disk === undefined), 'the master to show the disk without the volume');
  });
});
