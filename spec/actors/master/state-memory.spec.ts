import { expect } from 'chai';
import { join } from 'node:path';
import { childFigure } from '../../support/child-figure';

/**
 * What a state rendering leaves to V8's old generation. Its garbage should die young; what
 * outlives a few dozen agents' rendering is promoted and stays until a full collection (at 100k
 * agents, one `/master/state-summary` grew the old generation by ~850 MB and the peak RSS from
 * 1.4 to 2.1 GB when each agent's summary was a spread of two objects). Each child runs with a 1
 * MB young generation, so that such survivors show at 2,000 agents, and measures what its young
 * collections promoted during one request (state-memory-child.ts). The bounds are relative to
 * `/master/state`'s (the same agents, the plainest rendering): before the fix the summary promoted
 * 3.6 times as much (8,825 bytes an agent against 2,438) and `/master/slaves` 2.1 times.
 */
const AGENTS = 2_000;
const CHILD = join(__dirname, 'state-memory-child.js');
const NODE_FLAGS = ['--max-semi-space-size=1', '--no-allocation-site-pretenuring'];
/** A child's run at most (~1.5 s here): past it, the spec fails with the child killed. */
const CHILD_TIMEOUT_MS = 120_000;

function promotedPerAgent(path: string): Promise<number> {
  return childFigure(CHILD, NODE_FLAGS, [path, String(AGENTS)], 'promotedBytesPerAgent', CHILD_TIMEOUT_MS);
}

describe('state renderings and the old generation (2,000 agents, a 1 MB young generation)', function () {
  this.timeout(3 * CHILD_TIMEOUT_MS);

  it('/master/state-summary and /master/slaves promote little more per agent than /master/state', async () => {
    const state = await promotedPerAgent('/state');
    const summary = await promotedPerAgent('/state-summary');
    const slaves = await promotedPerAgent('/slaves');
    expect(state, '/master/state promoted nothing: the child measured nothing').to.be.greaterThan(0);
    // Measured after the fix: /state 2,441, summary 2,598-2,613 (1.07x), slaves 2,905-3,283 (1.35x).
    expect(summary / state, `summary ${summary} bytes an agent, /master/state ${state}`).to.be.at.most(1.5);
    expect(slaves / state, `/master/slaves ${slaves} bytes an agent, /master/state ${state}`).to.be.at.most(1.7);
  });
});
