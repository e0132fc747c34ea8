import { expect } from 'chai';
import { PeerLog } from '../../../lib/process/peer-log';

describe('PeerLog (how often one kind of bad input from a peer is logged)', () => {
  it('logs the first few from each peer, then one in `every`, with the count', () => {
    const log = new PeerLog({ inFull: 3, every: 10, maxPeers: 100 });
    const logged: number[] = [];
    for (let i = 0; i < 25; i++) {
      const count = log.count('10.0.0.1:5050');
      if (count !== undefined) logged.push(count);
    }
    expect(logged).to.deep.equal([1, 2, 3, 10, 20]);
    expect(log.count('10.0.0.2:5050')).to.equal(1);
    expect(log.total).to.equal(26);
  });

  it('counts peers beyond `maxPeers` together, so many peers cannot grow it without bound', () => {
    const log = new PeerLog({ inFull: 1, every: 1_000, maxPeers: 2 });
    expect(log.count('a')).to.equal(1);
    expect(log.count('b')).to.equal(1);
    expect(log.count('c')).to.equal(1); // the first of `OTHER_PEERS`
    expect(log.count('d')).to.equal(undefined);
    expect(log.count('a')).to.equal(undefined);
    expect(log.total).to.equal(5);
  });
});
