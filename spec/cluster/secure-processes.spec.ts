/**
 * Issue 9, as an operator deploys it: a master that requires authentication of frameworks,
 * agents and HTTP readers, an agent with its credential file, and the client bins with a
 * principal and a secret file, each a real process.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { basicAuthorization } from '../../lib/process/http-authentication';
import { within } from '../support/runtime';
import { startBin, type BinProcess } from './processes';

describe('a secured cluster as real processes (issue 9)', function () {
  this.timeout(60_000);
  const processes: BinProcess[] = [];
  let workDir: string;
  /** `http://host:port` of the secured cluster's agent. */
  let agentBase: string;

  beforeEach(() => { workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'secure-')); });
  afterEach(() => {
    for (const bin of processes.splice(0)) bin.kill('SIGKILL');
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  function start(name: string, args: string[]): BinProcess {
    // Clients at their default log level (errors only): what a user sees is the one line each prints.
    const bin = startBin(name, args, name === 'mesos-master' || name === 'mesos-agent' ? {} : { MESOS_LOG_LEVEL: 'error' });
    processes.push(bin);
    return bin;
  }

  function file(name: string, text: string): string {
    const where = path.join(workDir, name);
    fs.writeFileSync(where, text, { mode: 0o600 });
    return where;
  }

  /** A master requiring authentication everywhere, and an agent with its credential; resolves the master's address. */
  async function secureCluster(): Promise<string> {
    const credentials = file('credentials.json', JSON.stringify({ credentials: [{ principal: 'ops', secret: 'ops-secret' }, { principal: 'agent', secret: 'agent-secret' }] }));
    const master = start('mesos-master', [
      '--port', '0', '--work_dir', path.join(workDir, 'master'), '--credentials', credentials,
      '--authenticate_frameworks', '--authenticate_agents', '--authenticate_http_readonly', '--authenticate_http_readwrite',
    ]);
    const [, address] = await master.waitFor(/master@(\S+) —/);
    const agentCredential = file('agent.json', JSON.stringify({ principal: 'agent', secret: 'agent-secret' }));
    // The agent's HTTP readers: ops may read every sandbox and see every framework, anyone else none (ACLs' access_sandboxes, view_frameworks).
    const onlyOps = [{ principals: { values: ['ops'] }, users: { type: 'ANY' } }, { principals: { type: 'ANY' }, users: { type: 'NONE' } }];
    const acls = JSON.stringify({ access_sandboxes: onlyOps, view_frameworks: onlyOps });
    const agent = start('mesos-agent', [
      '--master', address as string, '--port', '0', '--work_dir', path.join(workDir, 'agent'), '--resources', 'cpus:2;mem:1024', '--credential', agentCredential,
      '--http_credentials', credentials, '--authenticate_http_readonly', '--authenticate_http_readwrite', '--acls', acls,
    ]);
    const [, agentAddress] = await agent.waitFor(/mesos-agent: slave\(1\)@(\S+) —/);
    agentBase = `http://${agentAddress as string}`;
    return address as string;
  }

  it('mesos-execute with --principal and --secret_file runs a task; without them it is refused with one line, and HTTP state needs credentials', async () => {
    const master = await secureCluster();
    const secretFile = file('ops.secret', 'ops-secret\n');
    const execute = start('mesos-execute', ['--master', master, '--name', 'hello', '--command', 'echo hello', '--principal', 'ops', '--secret_file', secretFile]);
    expect(await within(execute.exited, 30_000, 'mesos-execute'), execute.stderr).to.equal(0);
    expect(execute.stdout).to.match(/TASK_FINISHED/).and.match(/^hello$/m);

    const anonymous = start('mesos-execute', ['--master', master, '--name', 'anon', '--command', 'true']);
    expect(await within(anonymous.exited, 30_000, 'mesos-execute')).to.equal(1);
    expect(anonymous.stderr.trim().split('\n')).to.have.length(1);
    expect(anonymous.stderr).to.match(/no master at .*401|not authenticated/);

    const wrong = start('mesos-execute', ['--master', master, '--name', 'wrong', '--command', 'true', '--principal', 'ops', '--secret', 'guess']);
    expect(await within(wrong.exited, 30_000, 'mesos-execute')).to.equal(1);
    expect(wrong.stderr.trim().split('\n')).to.have.length(1);

    expect((await fetch(`http://${master}/master/state`)).status).to.equal(401);
    const state = await fetch(`http://${master}/master/state`, { headers: { authorization: basicAuthorization('ops', 'ops-secret') } });
    expect(state.status).to.equal(200);
    const body = await state.json() as { slaves: unknown[]; completed_frameworks: Array<{ principal?: string }> };
    expect(body.slaves).to.have.length(1);
    expect(body.completed_frameworks.map((framework) => framework.principal)).to.deep.equal(['ops']);

    // The agent's endpoints: /state needs credentials; /files serves ops the task's sandbox (mesos-execute printed it above), and refuses another principal.
    expect((await fetch(`${agentBase}/slave(1)/state`)).status).to.equal(401);
    const agentState = await (await fetch(`${agentBase}/slave(1)/state`, { headers: { authorization: basicAuthorization('ops', 'ops-secret') } })).json() as {
      completed_frameworks: Array<{ completed_executors: Array<{ directory: string }> }>;
    };
    const sandbox = agentState.completed_frameworks[0]?.completed_executors[0]?.directory as string;
    const hidden = await (await fetch(`${agentBase}/slave(1)/state`, { headers: { authorization: basicAuthorization('agent', 'agent-secret') } })).json() as typeof agentState;
    expect(hidden.completed_frameworks).to.deep.equal([]);
    const stdout = `${agentBase}/files/read?path=${encodeURIComponent(`${sandbox}/stdout`)}&offset=0`;
    expect((await fetch(stdout, { headers: { authorization: basicAuthorization('ops', 'ops-secret') } })).status).to.equal(200);
    const refused = await fetch(stdout, { headers: { authorization: basicAuthorization('agent', 'agent-secret') } });
    expect(refused.status).to.equal(403);
    expect(((await refused.json()) as { error: string }).error).to.match(/^Forbidden: principal 'agent' is not authorized to access sandboxes of user '/);

    // Its v1 operator API (Mesos' read-write realm, --authenticate_http_readwrite): credentials, then the ACLs' view_frameworks as /state.
    const agentCall = (headers: Record<string, string>): Promise<Response> => fetch(`${agentBase}/api/v1`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ type: 'GET_FRAMEWORKS' }),
    });
    expect((await agentCall({})).status).to.equal(401);
    const completed = async (principal: string): Promise<number> => {
      const response = await agentCall({ authorization: basicAuthorization(principal, `${principal}-secret`) });
      expect(response.status).to.equal(200);
      return ((await response.json() as { get_frameworks: { completed_frameworks?: unknown[] } }).get_frameworks.completed_frameworks ?? []).length;
    };
    expect([await completed('ops'), await completed('agent')]).to.deep.equal([1, 0]);

    const ps = start('mesos-ps', ['--master', master, '--all', '--principal', 'ops', '--secret', 'ops-secret']);
    expect(await within(ps.exited, 30_000, 'mesos-ps'), ps.stderr).to.equal(0);
    expect(ps.stdout).to.match(/hello\s+.*TASK_FINISHED/);
  });

  it('an agent without a credential exits with the reason; bad credential flags exit 2 naming the flag', async () => {
    const master = await secureCluster();
    const agent = start('mesos-agent', ['--master', master, '--port', '0', '--work_dir', path.join(workDir, 'agent2'), '--resources', 'cpus:1;mem:256']);
    expect(await within(agent.exited, 30_000, 'mesos-agent')).to.equal(1);
    expect(agent.stderr).to.match(/mesos-agent: the master told the agent to shut down \(Agent is not authenticated: this master requires --authenticate_agents; start the agent with --credential \(or --principal and --secret\)\)\n/);

    // mesos-batch used to hang on a FrameworkError (issue 9): now it exits 1 with the reason.
    // --task-resources: the old spelling of --task_resources, still accepted.
    const batch = start('mesos-batch', ['--master', master, '--name', 'b', '--tasks', '1', '--task-resources', 'cpus:0.1;mem:16', '--command', 'true']);
    expect(await within(batch.exited, 30_000, 'mesos-batch')).to.equal(1);
    expect(batch.stderr.trim()).to.match(/^mesos-batch: framework error: Framework at \S+ is not authenticated/);

    const halfCredential = start('mesos-execute', ['--master', master, '--name', 'x', '--command', 'true', '--principal', 'ops']);
    expect(await within(halfCredential.exited, 10_000, 'mesos-execute')).to.equal(2);
    expect(halfCredential.stderr.trim()).to.equal('mesos-execute: --principal needs --secret or --secret_file');

    const missing = start('mesos-master', ['--port', '0', '--work_dir', path.join(workDir, 'm2'), '--credentials', path.join(workDir, 'nope.json')]);
    expect(await within(missing.exited, 10_000, 'mesos-master')).to.equal(2);
    expect(missing.stderr).to.match(/^mesos-master: --credentials: cannot read/);

    const noCredentials = start('mesos-master', ['--port', '0', '--work_dir', path.join(workDir, 'm3'), '--authenticate_frameworks']);
    expect(await within(noCredentials.exited, 10_000, 'mesos-master')).to.equal(2);
    expect(noCredentials.stderr.trim()).to.equal('mesos-master: --authenticate_frameworks needs --credentials: nobody could authenticate');
  });
});
