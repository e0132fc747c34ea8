/**
 * A hostile review of the resource parsers against Mesos' `Resources::parse` and
 * `Resources::validate` (src/common/resources.cpp) and `values::parse` (src/common/values.cpp).
 */
import { expect } from 'chai';
import { Resources } from '../../lib/resources';

const parsed = (text: string): string => Resources.parse(text).format();
const refusal = (text: string): string => {
  try {
    Resources.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};
const ranges = (...pairs: Array<[number, number]>): string => JSON.stringify([{ name: 'ports', type: 'RANGES', ranges: { range: pairs.map(([begin, end]) => ({ begin, end })) } }]);

describe('lib/resources (hostile review 2)', () => {
  it('refuses a scalar that is not 0 but rounds to 0 at the 0.001 precision (Mesos: "value <= 0"), in text and JSON, rather than dropping it', () => {
    expect(refusal('cpus:1;mem:0.0004')).to.equal("invalid resource 'mem:0.0004': value '0.0004' is below the precision of 0.001 (it would be 0)");
    expect(refusal(JSON.stringify([{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.0001 } }]))).to.match(/#0 'cpus': value '0.0001' is below the precision of 0.001/);
    // 0 is still an empty resource, and what rounds up is kept.
    expect(parsed('cpus:0;mem:32')).to.equal('mem:32');
    expect(parsed('cpus:0.0005')).to.equal('cpus:0.001');
  });

  it('refuses overlapping ranges in JSON (Mesos: "overlapping ranges"), whichever comes first; the text form merges them as Mesos\' parser does', () => {
    expect(refusal(ranges([1, 10], [5, 20]))).to.equal("invalid resource #0 'ports': ranges '1-10' and '5-20' overlap");
    expect(refusal(ranges([5, 20], [1, 10]))).to.match(/ranges '5-20' and '1-10' overlap/);
    expect(refusal(ranges([1, 10], [10, 10]))).to.match(/overlap/);
    expect(Resources.parse(ranges([1, 10], [11, 20])).format()).to.equal('ports:[1-20]');
    expect(parsed('ports:[1-10,5-20]')).to.equal('ports:[1-20]');
  });
});
