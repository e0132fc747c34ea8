/**
 * Hostile inputs for lib/v1/sliced-protobuf.ts' transcoder: each text encoded whole, cut at every
 * place into two pieces, a character a piece (with empty pieces between), and a step at a time
 * with a deadline already past; each must be byte for byte what protobufjs writes for
 * `type.encode(type.fromObject(JSON.parse(text)))`, or throw where protobufjs throws.
 */
import { expect } from 'chai';
import { v1FieldwiseMessageType } from '../../../lib/v1/protobuf';
import { PROTOBUF_WHOLE_VALUE_CHARS, SlicedEncoder } from '../../../lib/v1/sliced-protobuf';

const type = v1FieldwiseMessageType('master', 'response');

function sliced(parts: readonly string[], charsPerTurn = 1 << 30, deadline?: number): string {
  const encoder = new SlicedEncoder(type, parts, charsPerTurn);
  for (let steps = 0; !encoder.step(deadline); steps++) if (steps > 10_000_000) throw new Error('never done');
  return Buffer.concat(encoder.result().pieces).toString('hex');
}

function outcome(run: () => string): string {
  try {
    return run();
  } catch {
    return 'throws';
  }
}

/** Every way of cutting `text` checked against protobufjs; the ways that differ. */
function differences(text: string): string[] {
  const expected = outcome(() => Buffer.from(type.encode(type.fromObject(JSON.parse(text) as Record<string, unknown>)).finish()).toString('hex'));
  const ways: Array<[string, () => string]> = [['whole', () => sliced([text])], ['a character a piece', () => sliced(text.split(''))]];
  ways.push(['empty pieces between', () => sliced(['', ...text.split('').flatMap((char) => [char, ''])])]);
  ways.push(['deadline past, a character a step', () => sliced(text.split(''), 1, 0)]);
  if (text.length < 400) for (let at = 0; at <= text.length; at++) ways.push([`cut at ${at}`, () => sliced([text.slice(0, at), text.slice(at)])]);
  return ways.filter(([, run]) => outcome(run) !== expected).map(([name]) => name);
}

const task = (key: string, value: string): string => `{"get_tasks":{"tasks":[{"name":"t","task_id":{"value":"t"},"framework_id":{"value":"f"},"agent_id":{"value":"a"},"${key}":${value}}]}}`;
const nanoseconds = (value: string): string => `{"get_agents":{"agents":[{"agent_info":{"hostname":"h"},"registered_time":{"nanoseconds":${value}}}]}}`;
const port = (value: string): string => `{"get_agents":{"agents":[{"agent_info":{"hostname":"h","port":${value}}}]}}`;
const scalar = (value: string): string => `{"get_agents":{"agents":[{"total_resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":${value}}}]}]}}`;
const flagName = (value: string): string => `{"get_flags":{"flags":[{"name":${value},"value":"x"}]}}`;

describe('lib/v1/sliced-protobuf: hostile inputs', () => {
  it('numbers: exponents, -0, many digits, 2^53 / 2^63 / 2^64 boundaries of int64, int32 boundaries, doubles past their range', () => {
    const int64 = ['0', '-0', '0.0', '-0.0', '1e18', '1E+2', '1e-400', '-1e-400', '9007199254740993', '9007199254740992.5', '9223372036854774784', '9223372036854775295', '9223372036854775296', '9223372036854775807', '9223372036854775808', '18446744073709551615', '18446744073709551616', '123456789012345678901234567890', '0.000000000000000000000000001e27', '1.5', '-1', '"5"'];
    const int32 = ['0', '-0', '2147483647', '2147483648', '4294967295', '4294967296', '1.9999', '1e9', '1e10', '-2147483649', '2147483647.5'];
    const doubles = ['-0', '0.1', '1e308', '1e309', '-1e309', '4.9e-324', '2e-324', '123456789012345678901234567890.123', '0.30000000000000004', '1.00000000000000000000000000000001', '1e22', '1e23', '-0.0e0', '0e5'];
    for (const value of int64) expect(differences(nanoseconds(value)), `int64 ${value}`).to.deep.equal([]);
    for (const value of int32) expect(differences(port(value)), `int32 ${value}`).to.deep.equal([]);
    for (const value of doubles) expect(differences(scalar(value)), `double ${value}`).to.deep.equal([]);
  });

  it('enums given as names, numbers (known, unknown, negative, fractional, past int32), texts of numbers and null', () => {
    for (const value of ['"TASK_RUNNING"', '1', '0', '999', '-1', '1.0', '1e0', '1.5', '2147483647', '2147483648', '"1"', '"NOT_A_STATE"', 'null', '-0']) {
      expect(differences(task('state', value)), `state ${value}`).to.deep.equal([]);
    }
  });

  it('strings: escapes (\\u split anywhere), a surrogate pair escaped, NUL, multi-byte characters', () => {
    for (const value of ['"a\\u00e9b"', '"\\ud83d\\ude00"', '"x\\/y"', '"\\"\\\\"', '"\\u0000"', '"日本"', '"😀"', '"\\b\\f\\n\\r\\t"']) expect(differences(flagName(value)), value).to.deep.equal([]);
  });

  // Not "YQ==YQ==" "AB=C" or "YQ== " (padding before the end): protobufjs itself sizes its buffer by the text's length and
  // fills only what precedes the first '=', leaving Buffer.allocUnsafe's bytes in its output.
  it('bytes: padding of none, one and two, unpadded, misplaced padding, URL-safe and escaped base64, spaces', () => {
    for (const value of ['""', '"YQ=="', '"YQ"', '"YQ="', '"YWI="', '"A==="', '"-_-_"', '"YQ\\u003d\\u003d"', '"AAAA"', '"YR=="', '" YQ=="']) {
      expect(differences(task('status_update_uuid', value)), `bytes ${value}`).to.deep.equal([]);
    }
  });

  it('nulls (fields, repeated fields, elements), unknown fields holding brackets in strings, white space, wrong shapes', () => {
    for (const text of [
      '{"get_flags":null,"get_health":{"healthy":null}}', '{"get_flags":{"flags":null}}', '{"get_flags":{"flags":[null]}}',
      '{"get_agents":{"agents":[{"agent_info":{"hostname":"h"},"capabilities":[null]}]}}',
      '{"nope":{"a":[1,{"b":"}]"}]},"get_flags":{"zz":null,"flags":[{"name":"a","qq":[null],"value":"b"}]}}',
      ' { "get_flags" : { "flags" : [ { "name" : "a" } , { "name" : "b" } ] } } ', '{}',
      '{"get_health":{"healthy":1}}', '{"get_health":{"healthy":"true"}}', '{"get_health":[]}', '{"get_flags":{"flags":{"name":"a"}}}',
    ]) expect(differences(text), text).to.deep.equal([]);
  });

  it(`values around PROTOBUF_WHOLE_VALUE_CHARS (${PROTOBUF_WHOLE_VALUE_CHARS}): encoded whole or a field at a time, lengths of 2 and 3 varint bytes`, () => {
    for (let length = PROTOBUF_WHOLE_VALUE_CHARS - 40; length <= PROTOBUF_WHOLE_VALUE_CHARS + 4; length++) {
      const text = `{"get_flags":{"flags":[{"name":"${'n'.repeat(length - 30)}","value":"v"}]},"get_version":{"version_info":{"version":"${'x'.repeat(length)}"}}}`;
      const expected = Buffer.from(type.encode(type.fromObject(JSON.parse(text) as Record<string, unknown>)).finish()).toString('hex');
      expect(sliced([text]), String(length)).to.equal(expected);
      expect(sliced(text.match(/[\s\S]{1,7}/g) ?? [], 100, 0), String(length)).to.equal(expected);
    }
  });

  it('a key given twice: each occurrence written (protobufjs, after JSON.parse, writes the last only); this cluster\'s text never repeats a key', () => {
    // Pinned, not matched: JSON.stringify never writes a key twice, and tracking the keys seen would
    // cost the transcoder an object per message. A decoder reads a repeated field's elements of both.
    expect(differences('{"get_flags":{"flags":[{"name":"a"}],"flags":[{"name":"b"}]}}')).to.include('whole');
  });
});
