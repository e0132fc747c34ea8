/**
 * A hostile review of `--attributes` against Mesos' `Attributes::parse` (src/common/attributes.cpp)
 * and `values::parse` (src/common/values.cpp), and of what becomes of them: the v1 AgentInfo and
 * offers (`RANGES` attributes), and `--reconfiguration_policy=additive` (src/slave/compatibility.cpp).
 */
import { expect } from 'chai';
import { AttributeParseError, parseAttributes } from '../../../actors/agent/resources';
import { reconfigurationError } from '../../../actors/agent/compatibility';
import { v1Attributes } from '../../../lib/v1/json';
import { v1ResponseBytes, v1ResponseJson } from '../../../lib/v1/protobuf';

const refusal = (text: string): string => {
  try {
    parseAttributes(text);
  } catch (error) {
    expect(error).to.be.instanceOf(AttributeParseError);
    return (error as Error).message;
  }
  return 'accepted';
};

describe('agent --attributes (hostile review 3)', () => {
  it('takes a negative number as text, as Mesos does ("Negative values not supported" for a scalar); it was the number -5', () => {
    expect(parseAttributes('floor:-5;level:3;zero:0')).to.deep.equal({ floor: '-5', level: 3, zero: 0 });
    expect(v1Attributes(parseAttributes('floor:-5'))).to.deep.equal([{ name: 'floor', type: 'TEXT', text: { value: '-5' } }]);
  });

  it('reads a number as Mesos does (boost\'s lexical_cast<double>): 1e3, +5, .5 and 1. are scalars, inf and 0x10 text; a subnormal one is refused', () => {
    expect(parseAttributes('a:1e3;b:+5;c:.5;d:1.;e:inf;f:0x10;g:nan')).to.deep.equal({ a: 1000, b: 5, c: 0.5, d: 1, e: 'inf', f: '0x10', g: 'nan' });
    expect(refusal('a:1e-320')).to.equal("invalid attribute 'a:1e-320': '1e-320' is a subnormal number");
  });

  it('removes the spaces of a value, as Mesos does before it reads one (a constraint on zone:NewYork matches as on Mesos)', () => {
    expect(parseAttributes('zone: New York ;ports:[ 5-6 , 1-3 ]')).to.deep.equal({ zone: 'NewYork', ports: '[1-3, 5-6]' });
  });

  it('declares [1-10] as RANGES in the v1 AgentInfo and offers, in JSON and protobuf (it was TEXT "[1-10]"); /state shows them as Mesos prints them', () => {
    const attributes = parseAttributes('ports:[20-30,1-10];rack:r1');
    expect(attributes).to.deep.equal({ ports: '[1-10, 20-30]', rack: 'r1' });
    const v1 = v1Attributes(attributes);
    expect(v1).to.deep.equal([
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 10 }, { begin: 20, end: 30 }] } },
      { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
    ]);
    const response = { type: 'GET_AGENT', get_agent: { agent_info: { hostname: 'h', attributes: v1, resources: [] } } };
    const decoded = v1ResponseJson('agent', v1ResponseBytes('agent', response)) as { get_agent: { agent_info: { attributes: unknown } } };
    expect(decoded.get_agent.agent_info.attributes).to.deep.equal(v1);
    // A value from the wire that starts with '[' but is not ranges is shown as the text it is.
    expect(v1Attributes({ odd: '[x' })).to.deep.equal([{ name: 'odd', type: 'TEXT', text: { value: '[x' } }]);
  });

  it('refuses a set, a stray [ or {, and bad ranges in the library too (startAgent took {a,b} as text; only the bin refused it)', () => {
    expect(refusal('disks:{a,b}')).to.equal("invalid attribute 'disks:{a,b}': a set, which an attribute cannot be (text, a number or ranges)");
    expect(refusal('rack:[1-2')).to.equal("invalid attribute 'rack:[1-2': mismatched brackets");
    expect(refusal('rack:r[1]')).to.equal("invalid attribute 'rack:r[1]': a '[' that does not open ranges (e.g. [1-10])");
    expect(refusal('rack:r{1}')).to.equal("invalid attribute 'rack:r{1}': a '{' inside text");
    expect(refusal('ports:[10-1]')).to.equal("invalid attribute 'ports:[10-1]': range '10-1' has begin > end");
    expect(refusal('ports:[1-2-3]')).to.match(/range '1-2-3' is not begin-end/);
    // Text with matched parentheses is text, as in Mesos.
    expect(parseAttributes('os:linux(5.15)')).to.deep.equal({ os: 'linux(5.15)' });
  });

  it('refuses a name given twice, saying what Mesos would do (our choice: Mesos keeps both, and its /state shows one)', () => {
    expect(refusal('rack:r1;rack:r2')).to.equal("attribute 'rack' is given twice: give each name once (Mesos would keep both, and show one of them in /state)");
  });

  it('--reconfiguration_policy=additive lets ranges grow, as Mesos (previous ranges within the current), and nothing else change', () => {
    const info = (attributes: string) => ({ hostname: 'h', port: 5051, resources: [], attributes: parseAttributes(attributes) });
    expect(reconfigurationError('additive', info('ports:[1-10];rack:r1'), info('ports:[1-20];rack:r1;zone:z'))).to.equal(undefined);
    expect(reconfigurationError('additive', info('ports:[1-10]'), info('ports:[2-20]'))).to.equal("attribute 'ports' changed from [1-10] to [2-20] (--reconfiguration_policy=additive allows only additions: ranges may grow)");
    expect(reconfigurationError('additive', info('rack:r1'), info('rack:r2'))).to.equal("attribute 'rack' changed from r1 to r2 (--reconfiguration_policy=additive allows only additions)");
    expect(reconfigurationError('equal', info('ports:[1-10]'), info('ports:[1-20]'))).to.match(/attributes changed from ports:\[1-10\] to ports:\[1-20\]/);
  });

  it('an agent upgraded over attributes checkpointed as the old parser read them keeps its id: the upgrade alone is no change', () => {
    const checkpointed = { hostname: 'h', port: 5051, resources: [], attributes: { floor: -5, city: 'New York', ports: '[20-30,1-10]', weight: '1e3', rack: 'r1' } };
    const now = { hostname: 'h', port: 5051, resources: [], attributes: parseAttributes('floor:-5;city:New York;ports:[20-30,1-10];weight:1e3;rack:r1') };
    expect(reconfigurationError('equal', checkpointed, now)).to.equal(undefined);
    expect(reconfigurationError('additive', checkpointed, now)).to.equal(undefined);
    expect(reconfigurationError('equal', checkpointed, { ...now, attributes: { ...now.attributes, rack: 'r2' } })).to.match(/attributes changed/);
  });
});
