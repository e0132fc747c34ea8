/**
 * lib/v1/wire-types.ts: a body whose known field has a wire type its declaration does not allow
 * is refused before decoding, naming the field; what protobuf allows (packed or unpacked repeated
 * numbers, unknown fields of any wire type, map entries) goes through. Bodies are written by hand
 * (spec/support/protobuf-wire.ts), with Mesos' field numbers.
 */
import { expect } from 'chai';
import { v1CallJson, v1MessageType } from '../../../lib/v1/protobuf';
import { wireShapeCounts, wireTypeError } from '../../../lib/v1/wire-types';
import { encodeMessage, type WireMessage } from '../../support/protobuf-wire';

/** Call {type 2: SUBSCRIBE 1, subscribe 3 {framework_info 1 {user 1, name 2, ...`info`}}}. */
const subscribe = (info: WireMessage): Buffer => encodeMessage([[2, 1], [3, [[1, [[1, 'u'], [2, 'n'], ...info]]]]]);

/** The decoded call, or the refusal. */
const read = (bytes: Uint8Array): unknown => {
  const decoded = v1CallJson('scheduler', bytes);
  return 'json' in decoded ? decoded.json : decoded.error;
};

describe('lib/v1/wire-types: wire types checked against the declarations', () => {
  it('refuses a known field of another wire type, at any depth, naming the field and its message', () => {
    expect(read(encodeMessage([[2, 'SUBSCRIBE']]))).to.equal("field 'type' (2) of mesos.v1.scheduler.Call has wire type 2 (length-delimited), expected 0 (varint)");
    // FrameworkInfo.failover_timeout 4 is a double (64-bit), checkpoint 5 a bool (varint), capabilities 10 a message.
    expect(read(subscribe([[4, 60]]))).to.equal("field 'failover_timeout' (4) of mesos.v1.FrameworkInfo has wire type 0 (varint), expected 1 (64-bit)");
    expect(read(subscribe([[5, { double: 1 }]]))).to.equal("field 'checkpoint' (5) of mesos.v1.FrameworkInfo has wire type 1 (64-bit), expected 0 (varint)");
    expect(read(subscribe([[10, 6]]))).to.equal("field 'capabilities' (10) of mesos.v1.FrameworkInfo has wire type 0 (varint), expected 2 (length-delimited)");
  });

  it("checks a map's entries (offer_filters: string key 1, OfferFilters value 2) and takes a well-formed one", () => {
    const filters = (entry: WireMessage): Buffer => subscribe([[13, entry]]);
    expect(read(filters([[1, 'eng'], [2, []]]))).to.deep.equal({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n', offer_filters: { eng: {} } } } });
    expect(read(filters([[1, 7], [2, []]]))).to.equal("field 'key' (1) of mesos.v1.FrameworkInfo.offer_filters entry has wire type 0 (varint), expected 2 (length-delimited)");
    expect(read(filters([[1, 'eng'], [2, 3]]))).to.equal("field 'value' (2) of mesos.v1.FrameworkInfo.offer_filters entry has wire type 0 (varint), expected 2 (length-delimited)");
    // Inside the value: OfferFilters.min_allocatable_resources 1 is a message.
    expect(read(filters([[1, 'eng'], [2, [[1, 4]]]]))).to.equal("field 'min_allocatable_resources' (1) of mesos.v1.OfferFilters has wire type 0 (varint), expected 2 (length-delimited)");
  });

  it('takes a repeated number packed or not, and skips a field no declaration names whatever its wire type', () => {
    // Call.accept 4 {operations 2 {type 1: LAUNCH 1, launch 2 {task_infos 1 {..., health_check 8 {http 1 {port 1, statuses 4}}}}}}.
    const task = (http: WireMessage): Buffer => encodeMessage([[2, 3], [1, [[1, 'f']]], [4, [[2, [[1, 1], [2, [[1, [[1, 't'], [2, [[1, 't']]], [3, [[1, 'a']]], [8, [[1, http]]]]]]]]]]]]);
    const statusesOf = (bytes: Buffer): unknown => {
      const json = read(bytes) as { accept: { operations: Array<{ launch: { task_infos: Array<{ health_check: { http: { statuses: unknown } } }> } }> } };
      return json.accept.operations[0]?.launch.task_infos[0]?.health_check.http.statuses;
    };
    expect(statusesOf(task([[1, 80], [4, 200], [4, 204]]))).to.deep.equal([200, 204]);
    expect(statusesOf(task([[1, 80], [4, Buffer.from([200, 1, 204, 1])]])), 'packed: 200 and 204 as varints in one field').to.deep.equal([200, 204]);
    expect(read(subscribe([[99, 'text'], [98, 7], [97, { double: 1 }]]))).to.deep.equal({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } });
  });

  it("refuses a string field whose bytes are not UTF-8, at any depth and in a map's key, naming it; takes any bytes in a bytes field", () => {
    // Before, protobufjs read each bad byte as U+FFFD: a role or a name other than was sent.
    expect(read(subscribe([[6, Buffer.from([0x61, 0xff])]]))).to.equal("field 'role' (6) of mesos.v1.FrameworkInfo is not valid UTF-8 (a string; bytes go in a bytes field)");
    expect(read(encodeMessage([[2, 1], [3, [[1, [[1, Buffer.from([0xc3])], [2, 'n']]]]]]))).to.equal("field 'user' (1) of mesos.v1.FrameworkInfo is not valid UTF-8 (a string; bytes go in a bytes field)");
    expect(read(subscribe([[13, [[1, Buffer.from([0xed, 0xa0, 0x80])], [2, []]]]]))).to.equal("field 'key' (1) of mesos.v1.FrameworkInfo.offer_filters entry is not valid UTF-8 (a string; bytes go in a bytes field)");
    expect(read(subscribe([[6, Buffer.from('é€😀', 'utf8')]]))).to.deep.equal({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n', role: 'é€😀' } } });
    // Call {framework_id 1 {value 1}, type 2: MESSAGE 9, message 10 {agent_id 1, executor_id 2, data 3 (bytes)}}.
    const message = read(encodeMessage([[1, [[1, 'f']]], [2, 9], [10, [[1, [[1, 'a']]], [2, [[1, 'e']]], [3, Buffer.from([0xff, 0xfe])]]]])) as { message?: { data?: unknown } };
    expect(message.message?.data).to.equal(Buffer.from([0xff, 0xfe]).toString('base64'));
  });

  it('refuses a field numbered 0, at any depth, as protobuf\'s parsers do (it read as an empty call)', () => {
    // Tag 0x00: field 0, varint; then its value.
    expect(read(Buffer.from([0x00, 0x01]))).to.equal('field number 0 in mesos.v1.scheduler.Call: protobuf numbers fields from 1');
    expect(read(subscribe([[0, 'x']]))).to.equal('field number 0 in mesos.v1.FrameworkInfo: protobuf numbers fields from 1');
    expect(v1CallJson('master', Buffer.from([0x02, 0x00]))).to.deep.equal({ error: 'field number 0 in mesos.v1.master.Call: protobuf numbers fields from 1' });
  });

  it('refuses an embedded message longer than its parent, and bytes cut short, with a reason', () => {
    const whole = subscribe([[8, 'principal']]);
    expect(read(whole.subarray(0, whole.length - 3))).to.equal("field 'subscribe' (3) of mesos.v1.scheduler.Call runs past the end of its message");
    expect(read(Buffer.from([0x10])), 'a tag without its value').to.be.a('string').and.match(/index out of range/);
    expect(read(Buffer.from([0x1a, 0x05, 0x0a, 0x7f, 0x0a, 0x01, 0x75]))).to.equal("field 'framework_info' (1) of mesos.v1.scheduler.Call.Subscribe runs past the end of its message");
  });

  // The hostile review of the operator API in protobuf: each field's expectation and its message's
  // shape were made anew at every occurrence, so checking a 1 MB list of resources held the thread
  // longer than decoding it (0.2 s, against JSON's 0.04 s for the same megabyte).
  it('checks a large body making each message shape and field expectation once, not once per occurrence (a body 1,000 times longer makes no more)', () => {
    const resources = [];
    for (let index = 0; index < 100_000; index++) resources.push(0x12, 5, 0x0a, 1, 0x64, 0x10, 0);
    const inner = Buffer.from([0x0a, 3, 0x0a, 1, 0x61]); // agent_id {value "a"}
    const volumes = Buffer.concat([inner, Buffer.from(resources)]);
    const length: number[] = [];
    for (let left = volumes.length; ; left = Math.floor(left / 128)) { length.push(left > 127 ? (left & 127) | 128 : left); if (left <= 127) break; }
    // master Call {type 1: CREATE_VOLUMES 21, create_volumes 9 {agent_id 1, volumes 2 [Resource {name 1, type 2}]}}
    const body = Buffer.concat([Buffer.from([0x08, 21, 0x4a, ...length]), volumes]);
    const call = v1MessageType('master', 'call');
    // The same shape of body with 10 resources, checked first: what it makes is all there is to make.
    const small = Buffer.concat([Buffer.from([0x08, 21, 0x4a, inner.length + 70]), inner, Buffer.from(resources.slice(0, 70))]);
    expect(wireTypeError(call, small)).to.equal(undefined);
    const before = wireShapeCounts();
    expect(wireTypeError(call, body)).to.equal(undefined);
    // Made per occurrence (the bug) this was 100,000 shapes and as many expectations more.
    expect(wireShapeCounts()).to.deep.equal(before);
  });
});
