// One contract, every packet reader (pcap, pcapng, tshark TSV): the same traffic gives the same
// records, whatever the chunking; one reused record; frames numbered from 1; a cut file fails with
// AppError 'invalid' naming where, after delivering every packet before the cut; a failed or ended
// reader stays closed.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../core/errors';
import { LinkType } from './decode';
import { copyRecord, feed, samplePackets, tsvFromRecords } from './fixtures.test-support';
import type { StreamReader } from './framing';
import { type OnPacket, PcapReader, writePcap } from './pcap';
import { PcapngReader, writePcapng } from './pcapng';
import type { PacketRecord } from './records';
import { TsharkTsvReader } from './tshark-tsv';

const packets = samplePackets(20);
const fromPcap = feed<PacketRecord>(
  (on) => new PcapReader(on),
  writePcap(packets),
  undefined,
  copyRecord,
).records;

interface Implementation {
  name: string;
  make: (on: OnPacket) => StreamReader;
  bytes: Uint8Array;
  /** Where an error is located: a byte offset or a line number. */
  where: 'offset' | 'line';
  /** The record fields this format can carry (TSV has no flags, payload or Modbus). */
  visible: (p: PacketRecord) => PacketRecord;
}

const all = (p: PacketRecord) => p;
const implementations: Implementation[] = [
  {
    name: 'pcap',
    make: (on) => new PcapReader(on),
    bytes: writePcap(packets, { bigEndian: true }),
    where: 'offset',
    visible: all,
  },
  {
    name: 'pcapng',
    make: (on) => new PcapngReader(on),
    bytes: writePcapng([
      { type: 'shb' },
      { type: 'idb', linkType: LinkType.ETHERNET },
      ...packets.map((p) => ({ type: 'epb' as const, time: p.time, data: p.data })),
    ]),
    where: 'offset',
    visible: all,
  },
  {
    name: 'tshark TSV',
    make: (on) => new TsharkTsvReader(on),
    bytes: new TextEncoder().encode(tsvFromRecords(fromPcap)),
    where: 'line',
    visible: (p) => ({
      ...p,
      tcpFlags: 0,
      payloadLength: 0,
      appFunction: -1,
      protocol: p.protocol === 58 ? 0 : p.protocol,
      icmpType: p.protocol === 58 ? -1 : p.icmpType,
      icmpCode: p.protocol === 58 ? -1 : p.icmpCode,
    }),
  },
];

describe.each(implementations)('packet reader contract: $name', (impl) => {
  const read = (bytes: Uint8Array, chunks?: number[]) =>
    feed<PacketRecord>(impl.make, bytes, chunks, copyRecord);

  it('gives the records of the reference decoding', () => {
    const { records, error } = read(impl.bytes);
    expect(error).toBeNull();
    expect(records.length).toBe(fromPcap.length);
    records.forEach((r, i) => {
      const want = impl.visible(fromPcap[i]);
      expect(r.time).toBeCloseTo(want.time, 6);
      expect({ ...r, time: 0 }).toEqual({ ...want, time: 0 });
    });
  });

  it('is indifferent to chunk boundaries', () => {
    const whole = read(impl.bytes).records;
    for (const chunks of [[1], [2, 3], [127], [4096]])
      expect(read(impl.bytes, chunks).records).toEqual(whole);
  });

  it('hands out one reused record and counts what it delivered', () => {
    const seen = new Set<PacketRecord>();
    const reader = impl.make((p) => seen.add(p)) as StreamReader & { packets: number };
    reader.push(impl.bytes);
    reader.end();
    expect(seen.size).toBe(1);
    expect(reader.packets).toBe(fromPcap.length);
  });

  it('fails a cut file with a located invalid error after delivering the packets before the cut', () => {
    const cut = Math.floor(impl.bytes.length * 0.6);
    const head = impl.bytes.subarray(0, cut);
    // A TSV cut inside a row leaves a short row; a binary cut leaves a partial record.
    const { records, error } = read(head, [33]);
    expect(error).toBeInstanceOf(AppError);
    const e = error as AppError;
    expect(e.kind).toBe('invalid');
    if (impl.where === 'offset') expect(e.details[0].offset).toBeLessThan(cut);
    else expect(e.details[0].line).toBe(records.length + 2);
    expect(records.length).toBeGreaterThan(5);
    expect(records).toEqual(read(impl.bytes).records.slice(0, records.length));
  });

  it('stays closed after an error or after end()', () => {
    const reader = impl.make(() => {});
    reader.push(impl.bytes.subarray(0, Math.floor(impl.bytes.length / 2)));
    expect(() => reader.end()).toThrow(AppError);
    expect(() => reader.push(impl.bytes)).toThrow(AppError);
    const done = impl.make(() => {});
    done.push(impl.bytes);
    done.end();
    expect(() => done.end()).toThrow(/already ended/);
  });
});
