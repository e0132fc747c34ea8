/**
 * The bins' HTTP client (bin/client.ts): reading a master's JSON through a standby, which
 * redirects the leader's endpoints to the leader (307 to `//host:port/path`, as Mesos').
 */
import { expect } from 'chai';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getJson, HttpStatusError, leaderBehind } from '../../bin/client';

/** A server answering every request with `answer`, on a free port of 127.0.0.1; its address and the paths asked. */
async function serve(answer: (request: http.IncomingMessage, response: http.ServerResponse) => void): Promise<{ address: string; paths: string[]; close: () => void }> {
  const paths: string[] = [];
  const server = http.createServer((request, response) => {
    paths.push(request.url ?? '');
    answer(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, paths, close: () => server.close() };
}

describe('bin/client: getJson through a standby master', () => {
  const servers: Array<{ close: () => void }> = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  it('follows the standby\'s 307 to the leader once, query and all (mesos-execute read "307" after a failover)', async () => {
    const leader = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"leading":true}');
    });
    const standby = await serve((request, response) => {
      response.writeHead(307, { location: `//${leader.address}${request.url ?? ''}` });
      response.end();
    });
    servers.push(leader, standby);
    expect(await getJson(standby.address, '/master/tasks?limit=10')).to.deep.equal({ leading: true });
    expect(leader.paths).to.deep.equal(['/master/tasks?limit=10']);
  });

  it('finds the leader behind a standby that asks for credentials the client lacks (401 first, as Mesos\'): through /master/redirect, which asks none', async () => {
    const leader = await serve((request, response) => {
      if (request.url === '/master/redirect') response.writeHead(307, { location: `//${leaderAddress.value}` });
      else response.writeHead(request.url === '/master/roles' ? 401 : 404, { 'www-authenticate': 'Basic realm="mesos"' });
      response.end();
    });
    const leaderAddress = { value: leader.address };
    const standby = await serve((request, response) => {
      if (request.url === '/master/redirect') response.writeHead(307, { location: `//${leader.address}` });
      else response.writeHead(401, { 'www-authenticate': 'Basic realm="mesos"' });
      response.end();
    });
    servers.push(leader, standby);
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => { written.push(chunk); return true; }) as typeof process.stderr.write;
    try {
      expect(await leaderBehind('mesos-ps', standby.address)).to.equal(leader.address);
      expect(await leaderBehind('mesos-ps', leader.address), 'a leader names itself').to.equal(leader.address);
    } finally {
      process.stderr.write = write;
    }
    expect(standby.paths).to.deep.equal(['/master/roles', '/master/redirect']);
    expect(written).to.deep.equal([`mesos-ps: ${standby.address} names ${leader.address} as the leading master (its /master/redirect); using it (give --master zk://... to follow the leader across failovers)\n`]);
  });

  it('follows one redirect only: a second (two standbys naming each other) is an error naming the status', async () => {
    const other: { address?: string } = {};
    const first = await serve((request, response) => {
      response.writeHead(307, { location: `//${other.address ?? ''}${request.url ?? ''}` });
      response.end();
    });
    const second = await serve((request, response) => {
      response.writeHead(307, { location: `//${first.address}${request.url ?? ''}` });
      response.end();
    });
    other.address = second.address;
    servers.push(first, second);
    const failure = await getJson(first.address, '/master/state').then(() => undefined, (error: unknown) => error);
    expect(failure).to.be.instanceOf(HttpStatusError);
    expect((failure as HttpStatusError).status).to.equal(307);
    expect(first.paths.length + second.paths.length).to.equal(2);
  });
});
