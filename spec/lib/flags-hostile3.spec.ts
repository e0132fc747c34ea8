/**
 * A hostile review of the flags that take sizes (`--fetcher_cache_size`, Mesos' `Bytes` flag, and
 * our `--max_link_backlog`) against stout's `Bytes::parse` (3rdparty/stout/include/stout/bytes.hpp).
 */
import { expect } from 'chai';
import { CommanderError } from 'commander';
import { createCommand, parseBytes } from '../../lib/flags';
import { addAgentOptions, addHostOptions } from '../../bin/server';

/** The options `argv` gives the agent's and host's flags, or commander's error message. */
function parsed(argv: string[]): Record<string, unknown> | string {
  let message = '';
  const command = addHostOptions(addAgentOptions(createCommand('test', 'test')), 5051)
    .configureOutput({ writeErr: () => undefined, outputError: (text) => { message = text; } })
    .exitOverride((error) => {
      throw new CommanderError(error.exitCode, error.code, message || error.message);
    });
  try {
    command.parse(argv, { from: 'user' });
  } catch (error) {
    return (error as Error).message.trim();
  }
  return command.opts();
}

describe('lib/flags sizes (hostile review 3)', () => {
  it('refuses a space between or around the number and the unit, as Bytes::parse does ("3 GB" was 3 GiB)', () => {
    for (const spaced of ['3 GB', ' 3GB', '3GB ', '3\tGB']) {
      expect(() => parseBytes(spaced), JSON.stringify(spaced)).to.throw(`'${spaced}' is not a size: a whole number and a unit, with no space (as Mesos reads sizes) (B, KB, MB, GB, TB; e.g. 512MB)`);
    }
    expect(parseBytes('3GB')).to.equal(3 * 1024 ** 3);
    expect(parseBytes('3gB')).to.equal(3 * 1024 ** 3); // any case, as Bytes::parse upper-cases the unit
  });

  it('--fetcher_cache_size and --max_link_backlog refuse "3 GB" at the command line, naming the flag', () => {
    expect(parsed(['--fetcher_cache_size', '3 GB'])).to.equal("error: option '--fetcher_cache_size <bytes>' argument '3 GB' is invalid. '3 GB' is not a size: a whole number and a unit, with no space (as Mesos reads sizes) (B, KB, MB, GB, TB; e.g. 512MB)");
    expect(parsed(['--max_link_backlog', '2 GB'])).to.match(/^error: option '--max_link_backlog <size>' argument '2 GB' is invalid\. '2 GB' is not a size/);
    expect(parsed(['--fetcher_cache_size', '3GB'])).to.include({ fetcher_cache_size: 3 * 1024 ** 3 });
  });
});
