import { describe, expect, it } from 'vitest';
import { decodeFrame, LinkType } from './decode';
import { copyRecord, feed, invalidError, samplePackets } from './fixtures.test-support';
import { buildFrame, modbusAdu } from './frames';
import { MAX_PCAP_CAPLEN, PcapReader, writePcap } from './pcap';
import { emptyPacket, type PacketRecord } from './records';

const read = (bytes: Uint8Array, chunks?: number[]) =>
  feed<PacketRecord>((on) => new PcapReader(on), bytes, chunks, copyRecord);

/** What a correct reader must produce for `packets`, decoded independently of the file layer. */
function expected(
  packets: { time: number; data: Uint8Array }[],
  linkType: number = LinkType.ETHERNET,
): PacketRecord[] {
  return packets.map((pk, i) => {
    const p = emptyPacket();
    decodeFrame(linkType, pk.data, 0, pk.data.length, p);
    p.frame = i + 1;
    p.time = pk.time;
    p.length = pk.data.length;
    return p;
  });
}

function expectSame(actual: PacketRecord[], want: PacketRecord[], digits = 6): void {
  expect(actual.length).toBe(want.length);
  actual.forEach((p, i) => {
    expect(p.time).toBeCloseTo(want[i].time, digits);
    expect({ ...p, time: 0 }).toEqual({ ...want[i], time: 0 });
  });
}

describe('PcapReader', () => {
  const packets = samplePackets(24);

  it.each([
    { bigEndian: false, nanosecond: false },
    { bigEndian: true, nanosecond: false },
    { bigEndian: false, nanosecond: true },
    { bigEndian: true, nanosecond: true },
  ])('reads what writePcap wrote (%o)', (opts) => {
    const { records, error } = read(writePcap(packets, opts));
    expect(error).toBeNull();
    expectSame(records, expected(packets));
  });

  it('keeps nanoseconds from a nanosecond file and microseconds from a microsecond one', () => {
    const one = [{ time: 1.000000123, data: packets[0].data }];
    expect(read(writePcap(one, { nanosecond: true })).records[0].time).toBeCloseTo(1.000000123, 10);
    expect(read(writePcap(one)).records[0].time).toBeCloseTo(1.0, 10);
    const reader = new PcapReader(() => {});
    reader.push(writePcap(one, { nanosecond: true, bigEndian: true }));
    expect(reader.nanosecond).toBe(true);
  });

  it('gives the same records whatever the chunking, down to one byte at a time', () => {
    const bytes = writePcap(packets);
    const whole = read(bytes).records;
    expect(read(bytes, [1]).records).toEqual(whole);
    expect(read(bytes, [7, 1, 33, 2, 100]).records).toEqual(whole);
  });

  it('reuses one record object for every packet', () => {
    const seen = new Set<PacketRecord>();
    const reader = new PcapReader((p) => seen.add(p));
    reader.push(writePcap(packets));
    reader.end();
    expect(reader.packets).toBe(packets.length);
    expect(seen.size).toBe(1);
  });

  it('decodes snaplen-truncated packets as far as the bytes allow, with length = orig_len', () => {
    const data = buildFrame({
      ip: { src: '1.2.3.4', dst: '5.6.7.8' },
      tcp: { srcPort: 1, dstPort: 502, payload: modbusAdu(1, 1, 6, new Uint8Array(4)) },
    });
    const { records } = read(writePcap([{ time: 1, data }], { snaplen: 14 + 20 + 4 }));
    expect(records[0]).toMatchObject({
      length: data.length,
      srcIp: '1.2.3.4',
      srcPort: 1,
      dstPort: 502,
      tcpFlags: 0,
      appFunction: -1,
    });
  });

  it('decodes raw IP and Linux SLL link types', () => {
    const spec = {
      srcMac: '00:11:22:33:44:55',
      ip: { src: '10.0.0.1', dst: '10.0.0.2' },
      udp: { srcPort: 9, dstPort: 10 },
    };
    for (const linkType of [LinkType.RAW, LinkType.LINUX_SLL]) {
      const pk = [{ time: 2, data: buildFrame(spec, linkType) }];
      const { records, error } = read(writePcap(pk, { linkType }));
      expect(error).toBeNull();
      expectSame(records, expected(pk, linkType));
      expect(records[0]).toMatchObject({ srcIp: '10.0.0.1', dstPort: 10 });
    }
  });

  it('reports truncation at every cut with the offset of the broken record, keeping earlier packets', () => {
    const small = samplePackets(4);
    const bytes = writePcap(small);
    const starts = [24];
    for (const p of small) starts.push(starts[starts.length - 1] + 16 + p.data.length);
    for (let cut = 0; cut < bytes.length; cut++) {
      const { records, error } = read(bytes.subarray(0, cut), [3]);
      const whole = starts.filter((s, i) => i > 0 && s <= cut).length;
      const brokenAt = cut < 24 ? 0 : starts.filter((s) => s <= cut).pop()!;
      if (cut === brokenAt && cut >= 24) {
        expect(error, `cut ${cut}`).toBeNull();
      } else {
        const e = invalidError(error);
        expect(e.details[0].offset, `cut ${cut}`).toBe(brokenAt);
        expect(e.message).toContain(`byte offset ${brokenAt}`);
      }
      expect(records.length, `cut ${cut}`).toBe(whole);
    }
  });

  it('rejects a bad magic number at offset 0', () => {
    const bytes = writePcap(packets);
    bytes[0] ^= 0xff;
    const e = invalidError(read(bytes).error);
    expect(e.details[0]).toMatchObject({ offset: 0, field: 'magic_number' });
  });

  it('rejects a 4 GB captured length as soon as the header arrives, without buffering it', () => {
    const bytes = writePcap(packets.slice(0, 2));
    const recordAt = 24 + 16 + packets[0].data.length;
    new DataView(bytes.buffer).setUint32(recordAt + 8, 0xfffffff0, true);
    const delivered: number[] = [];
    const reader = new PcapReader((p) => delivered.push(p.frame));
    let thrown: unknown;
    try {
      reader.push(bytes.subarray(0, recordAt + 16));
    } catch (e) {
      thrown = e;
    }
    expect(invalidError(thrown).details[0]).toMatchObject({ offset: recordAt + 8, field: 'incl_len' });
    expect(delivered).toEqual([1]);
    expect(reader.bufferedCapacity).toBeLessThan(MAX_PCAP_CAPLEN);
    expect(() => reader.push(new Uint8Array(4))).toThrow(thrown as Error); // stays failed
  });

  it('rejects sub-second values out of range and orig_len below incl_len', () => {
    const bytes = writePcap(packets.slice(0, 2));
    const v = new DataView(bytes.buffer);
    const second = 24 + 16 + packets[0].data.length;
    v.setUint32(second + 4, 1_000_000, true);
    expect(invalidError(read(bytes).error).details[0]).toMatchObject({
      offset: second + 4,
      field: 'ts_usec',
    });
    v.setUint32(second + 4, 0, true);
    v.setUint32(second + 12, 10, true);
    expect(invalidError(read(bytes).error).details[0]).toMatchObject({
      offset: second + 12,
      field: 'orig_len',
    });
  });

  it('rejects an empty file and pushes after end', () => {
    expect(invalidError(read(new Uint8Array(0)).error).details[0].offset).toBe(0);
    const reader = new PcapReader(() => {});
    reader.push(writePcap([]));
    reader.end();
    expect(() => reader.push(new Uint8Array(1))).toThrow(/already ended/);
  });
});
