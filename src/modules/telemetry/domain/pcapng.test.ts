import { describe, expect, it } from 'vitest';
import { LinkType } from './decode';
import { copyRecord, feed, invalidError, samplePackets } from './fixtures.test-support';
import { buildFrame } from './frames';
import { PcapReader, writePcap } from './pcap';
import { MAX_PCAPNG_BLOCK, type PcapngBlock, PcapngReader, timestampSeconds, writePcapng } from './pcapng';
import type { PacketRecord } from './records';

const read = (bytes: Uint8Array, chunks?: number[]) =>
  feed<PacketRecord>((on) => new PcapngReader(on), bytes, chunks, copyRecord);
const readPcap = (bytes: Uint8Array) =>
  feed<PacketRecord>((on) => new PcapReader(on), bytes, undefined, copyRecord);

const packets = samplePackets(16);
const section = (bigEndian: boolean, tsresol?: number): PcapngBlock[] => [
  { type: 'shb', bigEndian },
  { type: 'idb', linkType: LinkType.ETHERNET, tsresol },
  ...packets.map((p): PcapngBlock => ({ type: 'epb', time: p.time, data: p.data })),
];

describe('PcapngReader', () => {
  it.each([false, true])('reads the same packets as the pcap reader (big endian: %s)', (bigEndian) => {
    const ng = read(writePcapng(section(bigEndian)));
    expect(ng.error).toBeNull();
    expect(ng.records).toEqual(readPcap(writePcap(packets)).records);
  });

  it('gives the same records whatever the chunking, down to one byte at a time', () => {
    const bytes = writePcapng([
      ...section(false),
      { type: 'other', blockType: 0xbad, body: new Uint8Array(5) },
      ...section(true, 9),
    ]);
    const whole = read(bytes);
    expect(whole.error).toBeNull();
    expect(whole.records.length).toBe(2 * packets.length);
    expect(read(bytes, [1]).records).toEqual(whole.records);
    expect(read(bytes, [5, 13, 2]).records).toEqual(whole.records);
  });

  it('follows a byte-order change at a new section and renumbers interfaces per section', () => {
    const bytes = writePcapng([
      { type: 'shb', bigEndian: false },
      { type: 'idb', linkType: LinkType.ETHERNET },
      { type: 'epb', time: 10, data: packets[0].data },
      { type: 'shb', bigEndian: true },
      { type: 'idb', linkType: LinkType.RAW },
      {
        type: 'epb',
        time: 20,
        data: buildFrame(
          { ip: { src: '9.9.9.9', dst: '8.8.8.8' }, udp: { srcPort: 1, dstPort: 2 } },
          LinkType.RAW,
        ),
      },
    ]);
    const reader = new PcapngReader(() => {});
    const { records, error } = read(bytes);
    expect(error).toBeNull();
    expect(records.map((r) => [r.frame, r.time, r.srcIp])).toEqual([
      [1, 10, '192.168.1.100'],
      [2, 20, '9.9.9.9'],
    ]);
    reader.push(bytes);
    expect(reader.sections).toBe(2);
    expect(reader.interfaceLinkTypes).toEqual([LinkType.RAW]);
  });

  it('uses each interface own link type and if_tsresol (powers of 10 and of 2) and if_tsoffset', () => {
    const raw = buildFrame(
      { ip: { src: '1.1.1.1', dst: '2.2.2.2' }, tcp: { srcPort: 5, dstPort: 6 } },
      LinkType.RAW,
    );
    const { records, error } = read(
      writePcapng([
        { type: 'shb' },
        { type: 'idb', linkType: LinkType.ETHERNET, tsresol: 9 },
        { type: 'idb', linkType: LinkType.RAW, tsresol: 0x80 | 10 },
        { type: 'idb', linkType: LinkType.RAW, tsoffset: 1_000_000 },
        { type: 'epb', interfaceId: 0, time: 1_700_000_000.123457, data: packets[0].data },
        { type: 'epb', interfaceId: 1, time: 1_700_000_000.5, data: raw },
        { type: 'epb', interfaceId: 2, time: 100.25, data: raw },
      ]),
    );
    expect(error).toBeNull();
    expect(records[0].time).toBeCloseTo(1_700_000_000.123457, 6);
    expect(records[0].srcMac).toBe('00:0c:29:ee:b7:84');
    expect(records[1].time).toBe(1_700_000_000.5); // 2^-10 units represent .5 exactly
    expect(records[1]).toMatchObject({ srcMac: '', srcIp: '1.1.1.1', srcPort: 5 });
    expect(records[2].time).toBe(1_000_100.25);
  });

  it('reads Simple Packet Blocks, capped by the interface snaplen, at the last timestamp', () => {
    const data = packets[0].data;
    const { records, error } = read(
      writePcapng([
        { type: 'shb' },
        { type: 'idb', linkType: LinkType.ETHERNET, snaplen: 40 },
        { type: 'epb', time: 5, data: packets[1].data },
        { type: 'spb', data: data.subarray(0, 40), originalLength: data.length },
      ]),
    );
    expect(error).toBeNull();
    expect(records[1]).toMatchObject({
      frame: 2,
      time: 5,
      length: data.length,
      srcIp: '192.168.1.100',
      srcPort: 3206,
    });
    expect(records[1].tcpFlags).toBe(0); // flags are past the 40 captured bytes
  });

  it('skips unknown blocks by their length', () => {
    const blocks = section(false);
    blocks.splice(
      2,
      0,
      { type: 'other', blockType: 5, body: new Uint8Array(64) },
      { type: 'other', blockType: 0x40000bad, body: new Uint8Array(3) },
    );
    expect(read(writePcapng(blocks)).records.length).toBe(packets.length);
  });

  it('rejects a trailing length that differs from the leading one, at the trailer offset', () => {
    const bytes = writePcapng(section(false));
    const shbLen = 28;
    const idbLen = 20;
    const epbAt = shbLen + idbLen;
    const epbLen = new DataView(bytes.buffer).getUint32(epbAt + 4, true);
    new DataView(bytes.buffer).setUint32(epbAt + epbLen - 4, epbLen + 4, true);
    const { records, error } = read(bytes);
    const e = invalidError(error);
    expect(e.details[0]).toMatchObject({ offset: epbAt + epbLen - 4, field: 'trailing block total length' });
    expect(records).toEqual([]);
  });

  it('rejects a 4 GB block length as soon as it is read, holding no more than a header', () => {
    const bytes = writePcapng(section(false));
    new DataView(bytes.buffer).setUint32(28 + 20 + 4, 0xfffffffc, true);
    const reader = new PcapngReader(() => {});
    expect(() => reader.push(bytes.subarray(0, 28 + 20 + 12))).toThrow(/block total length/);
    expect(reader.bufferedCapacity).toBeLessThan(1024);
    const e = invalidError(read(bytes).error);
    expect(e.details[0]).toMatchObject({ offset: 52, field: 'block total length' });
    expect(e.message).toContain(String(MAX_PCAPNG_BLOCK));
  });

  it('rejects packets of an undeclared interface, a missing SHB and a bad byte-order magic', () => {
    const noIface = writePcapng([{ type: 'shb' }, { type: 'epb', time: 1, data: packets[0].data }]);
    expect(invalidError(read(noIface).error).details[0]).toMatchObject({
      offset: 28 + 8,
      field: 'interface id',
    });
    const noShb = writePcapng(section(false)).subarray(28);
    expect(invalidError(read(noShb).error).details[0]).toMatchObject({ offset: 0, field: 'block type' });
    const badBom = writePcapng(section(false));
    badBom[9] ^= 0x01;
    expect(invalidError(read(badBom).error).details[0]).toMatchObject({
      offset: 8,
      field: 'byte-order magic',
    });
  });

  it('reports truncation with the offset of the broken block and keeps earlier packets', () => {
    const bytes = writePcapng(section(true));
    const cut = bytes.length - 10;
    const { records, error } = read(bytes.subarray(0, cut), [64]);
    const lastLen = 12 + 20 + ((packets[15].data.length + 3) & ~3);
    expect(invalidError(error).details[0].offset).toBe(bytes.length - lastLen);
    expect(records.length).toBe(15);
  });
});

describe('timestampSeconds', () => {
  it('divides 64-bit tick counts exactly where floats would round', () => {
    const ns = 1_545_403_816_870_900_123n;
    const hi = Number(ns >> 32n);
    const lo = Number(ns & 0xffffffffn);
    const t = timestampSeconds(hi, lo, 1e9);
    expect(Math.floor(t)).toBe(1_545_403_816);
    expect(t - 1_545_403_816).toBeCloseTo(0.8709, 6);
    expect(timestampSeconds(0, 1_500_000, 1e6)).toBe(1.5);
    expect(timestampSeconds(1, 0, 1)).toBe(4294967296);
    expect(timestampSeconds(0, 3, 4)).toBe(0.75);
  });
});
