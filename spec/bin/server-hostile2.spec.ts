/** A hostile review of the server bins' own flags against Mesos' (`--ip`: a `net::IP`; `--attributes`: `Attributes::parse`, src/common/attributes.cpp). */
import { expect } from 'chai';
import { masterFlagsFrom, parseAdvertisePortFlag, parseAttributesFlag, parseIpFlag, parseRegistryFlag } from '../../bin/server';

describe('bin/server flags (hostile review 2)', () => {
  it('--ip takes an IPv4 or IPv6 address and refuses anything else naming it (a typo was exit 1 from getaddrinfo, an empty one an error about a UPID)', () => {
    for (const ip of ['127.0.0.1', '0.0.0.0', '::', '::1', '10.0.0.5']) expect(parseIpFlag(ip), ip).to.equal(ip);
    for (const bad of ['999.1.1.1', '', 'localhost', 'example.com', '10.0.0', '[::]']) {
      expect(() => parseIpFlag(bad), bad).to.throw(`'${bad}' is not an IP address (a host name goes in --hostname)`);
    }
  });

  it('--advertise_port refuses 0, as libprocess does (pids naming port 0 reach nobody)', () => {
    expect(parseAdvertisePortFlag('5050')).to.equal(5050);
    expect(() => parseAdvertisePortFlag('0')).to.throw("'0' is not a port peers can dial (1..65535)");
    expect(() => parseAdvertisePortFlag('65536')).to.throw(/is not a port number/);
  });

  it('--registry takes Mesos\' strategies for what they mean (replicated_log: the default file in the work dir; in_memory: refused), not as files in the current directory', () => {
    expect(() => parseRegistryFlag('in_memory')).to.throw(/in_memory registry .* is not supported/);
    for (const strategy of ['replicated_log', 'log_storage']) {
      expect(masterFlagsFrom({ registry: parseRegistryFlag(strategy) }, '/var/lib/mesos').registryPath, strategy).to.equal(undefined);
    }
    expect(masterFlagsFrom({ registry: parseRegistryFlag('/srv/registry.json') }, '/var/lib/mesos').registryPath).to.equal('/srv/registry.json');
  });

  it('--attributes: a newline separates attributes as ; does (a file:// value, one a line, made one attribute of them all)', () => {
    expect(parseAttributesFlag('rack:r1\nzone:z2')).to.equal('rack:r1;zone:z2');
    expect(parseAttributesFlag('rack:r1;zone:z2')).to.equal('rack:r1;zone:z2');
  });

  it('--attributes refuses a set or mismatched brackets, as Mesos does; ranges and text are taken', () => {
    expect(() => parseAttributesFlag('rack:{a,b}')).to.throw("invalid attribute 'rack:{a,b}': a set, which an attribute cannot be (text, a number or ranges)");
    expect(() => parseAttributesFlag('zone:z1;rack:[1-2')).to.throw("invalid attribute 'rack:[1-2': mismatched brackets");
    expect(parseAttributesFlag('rack:[1-5];os:linux')).to.equal('rack:[1-5];os:linux');
  });
});
