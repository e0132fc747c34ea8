import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { routableIp } from '../../lib/process/addresses';
import { eventually } from '../support/runtime';
import { startBin, type BinProcess } from './processes';

interface MasterState { slaves: Array<{ pid: string }> }

async function agentPids(masterAddress: string): Promise<string[]> {
  const state = (await (await fetch(`http://${masterAddress}/master/state`)).json()) as MasterState;
  return state.slaves.map((slave) => slave.pid);
}

describe('addresses of real processes (issue 10)', function () {
  this.timeout(60_000);
  const processes: BinProcess[] = [];
  let workDir: string;

  beforeEach(() => { workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'addresses-')); });
  afterEach(() => {
    for (const bin of processes.splice(0)) bin.kill('SIGKILL');
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  function start(name: string, args: string[], env: NodeJS.ProcessEnv = {}): BinProcess {
    const bin = startBin(name, args, env);
    processes.push(bin);
    return bin;
  }

  async function registeredAgents(master: string, count: number): Promise<string[]> {
    let pids: string[] = [];
    const deadline = Date.now() + 20_000;
    while (pids.length < count && Date.now() < deadline) {
      pids = await agentPids(master);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return pids;
  }

  it('an agent with --master localhost:PORT registers with a master advertising 127.0.0.1', async () => {
    const master = start('mesos-master', ['--port', '0', '--work_dir', path.join(workDir, 'master')]);
    const [, address] = await master.waitFor(/master@(127\.0\.0\.1:[0-9]+)/);
    const port = (address as string).split(':')[1] as string;
    const agent = start('mesos-agent', ['--master', `localhost:${port}`, '--port', '0', '--work_dir', path.join(workDir, 'agent'), '--resources', 'cpus:1;mem:256', '--registration_backoff_factor', '100ms']);
    const [, agentPid] = await agent.waitFor(/(slave\(1\)@\S+)/);
    expect(await registeredAgents(address as string, 1)).to.deep.equal([agentPid]);
  });

  it('a master with --ip 0.0.0.0 advertises a routable IP, and an agent reaches it as localhost', async () => {
    const master = start('mesos-master', ['--ip', '0.0.0.0', '--port', '0', '--work_dir', path.join(workDir, 'master')]);
    const [, address] = await master.waitFor(/master@(\S+) /);
    expect(address).to.match(new RegExp(`^${routableIp().replace(/\./g, '\\.')}:[0-9]+$`));
    const port = (address as string).split(':')[1] as string;
    start('mesos-agent', ['--master', `localhost:${port}`, '--port', '0', '--work_dir', path.join(workDir, 'agent'), '--resources', 'cpus:1;mem:256', '--registration_backoff_factor', '100ms']);
    expect(await registeredAgents(`127.0.0.1:${port}`, 1)).to.have.length(1);
  });

  it('--advertise_ip (or LIBPROCESS_ADVERTISE_IP) names the IP in the pid', async () => {
    const flagged = start('mesos-master', ['--ip', '0.0.0.0', '--advertise_ip', '127.0.0.1', '--port', '0', '--work_dir', path.join(workDir, 'm1')]);
    await flagged.waitFor(/master@127\.0\.0\.1:[0-9]+ /);
    const fromEnvironment = start('mesos-master', ['--ip', '0.0.0.0', '--port', '0', '--work_dir', path.join(workDir, 'm2')], { LIBPROCESS_ADVERTISE_IP: '127.0.0.1' });
    await fromEnvironment.waitFor(/master@127\.0\.0\.1:[0-9]+ /);
  });

  it('a bad --advertise_ip or --advertise_port exits 2 naming the flag', async () => {
    for (const [flag, value] of [['--advertise_ip', 'not-an-ip'], ['--advertise_ip', '0.0.0.0'], ['--advertise_port', '70000']] as const) {
      const bin = start('mesos-master', [flag, value, '--port', '0', '--work_dir', path.join(workDir, 'bad')]);
      expect(await bin.exited, `${flag} ${value}`).to.equal(2);
      expect(bin.stderr).to.include(flag);
    }
  });

  it('an agent pointed at another agent (not a master) warns that no master answered', async () => {
    const master = start('mesos-master', ['--port', '0', '--work_dir', path.join(workDir, 'master')]);
    const [, address] = await master.waitFor(/master@(\S+) /);
    const first = start('mesos-agent', ['--master', address as string, '--port', '0', '--work_dir', path.join(workDir, 'a1'), '--resources', 'cpus:1;mem:256']);
    const [, firstAddress] = await first.waitFor(/slave\(1\)@(\S+) /);
    const lost = start('mesos-agent', ['--master', firstAddress as string, '--port', '0', '--work_dir', path.join(workDir, 'a2'), '--resources', 'cpus:1;mem:256']);
    await eventually(() => `${lost.stdout}${lost.stderr}`.includes('no master answered'), 20_000, 'the no-master warning');
    expect(`${lost.stdout}${lost.stderr}`).to.include(`master@${firstAddress as string}`);
  });
});
