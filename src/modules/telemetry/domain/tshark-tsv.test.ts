import { describe, expect, it } from 'vitest';
import { copyRecord, feed, invalidError, samplePackets, tsvFromRecords } from './fixtures.test-support';
import { PcapReader, writePcap } from './pcap';
import type { PacketRecord } from './records';
import { TsharkTsvReader } from './tshark-tsv';

const enc = new TextEncoder();
const read = (text: string, chunks?: number[]) =>
  feed<PacketRecord>((on) => new TsharkTsvReader(on), enc.encode(text), chunks, copyRecord);

const HEADER =
  'frame.time_epoch\tframe.len\teth.src\teth.dst\tip.src\tip.dst\ttcp.srcport\ttcp.dstport\tudp.srcport\tudp.dstport\ticmp.type\ticmp.code\tarp.opcode\tarp.src.hw_mac\tarp.src.proto_ipv4\tarp.dst.hw_mac\tarp.dst.proto_ipv4\tipv6.src\tipv6.dst';
// Rows copied from shared/data/kitsune/mirai_prefix.pcap.tsv (TCP, ARP, IPv6, ICMP error quoting TCP).
const ROWS = [
  '1540446382.933899000\t60\t5c:cf:7f:05:f2:c6\t4c:09:d4:c6:12:7b\t192.168.2.108\t52.24.43.67\t21074\t80\t\t\t\t\t\t\t\t\t\t\t',
  '1540446383.291054000\t60\t48:02:2e:01:83:15\tff:ff:ff:ff:ff:ff\t\t\t\t\t\t\t\t\t1\t48:02:2e:01:83:15\t192.168.2.109\t00:00:00:00:00:00\t192.168.2.106\t\t',
  '1540446387.857385000\t86\t4c:09:d4:c6:12:7b\t33:33:00:00:00:01\t\t\t\t\t\t\t\t\t\t\t\t\t\tfe80::1\tff02::1',
  '1540446382.934426000\t86\t4c:09:d4:c6:12:7b\t5c:cf:7f:05:f2:c6\t192.168.2.1\t192.168.2.108\t21074\t80\t\t\t3\t0\t\t\t\t\t\t\t',
];
const FILE = `${[HEADER, ...ROWS].join('\n')}\n`;

describe('TsharkTsvReader', () => {
  it('maps Kitsune rows by header name', () => {
    const { records, error } = read(FILE);
    expect(error).toBeNull();
    expect(records.map((r) => r.frame)).toEqual([1, 2, 3, 4]);
    expect(records[0]).toMatchObject({
      time: 1540446382.933899,
      length: 60,
      srcMac: '5c:cf:7f:05:f2:c6',
      dstMac: '4c:09:d4:c6:12:7b',
      ipVersion: 4,
      srcIp: '192.168.2.108',
      dstIp: '52.24.43.67',
      protocol: 6,
      srcPort: 21074,
      dstPort: 80,
      icmpType: -1,
      appFunction: -1,
    });
    expect(records[1]).toMatchObject({
      ipVersion: 0,
      protocol: 0,
      arpOp: 1,
      arpSenderMac: '48:02:2e:01:83:15',
      arpSenderIp: '192.168.2.109',
      arpTargetIp: '192.168.2.106',
      srcPort: -1,
    });
    expect(records[2]).toMatchObject({ ipVersion: 6, srcIp: 'fe80::1', dstIp: 'ff02::1', protocol: 0 });
  });

  it('takes an ICMP error as ICMP, not as the TCP packet it quotes', () => {
    expect(read(FILE).records[3]).toMatchObject({
      protocol: 1,
      icmpType: 3,
      icmpCode: 0,
      srcPort: -1,
      dstPort: -1,
    });
  });

  it('gives the records the binary reader gives for the same traffic (on the fields tshark prints)', () => {
    const packets = samplePackets(24);
    const fromPcap = feed<PacketRecord>(
      (on) => new PcapReader(on),
      writePcap(packets),
      undefined,
      copyRecord,
    ).records;
    const fromTsv = read(tsvFromRecords(fromPcap)).records;
    const visible = (p: PacketRecord) => ({
      ...p,
      tcpFlags: 0,
      payloadLength: 0,
      appFunction: -1,
      // No icmpv6.* column in Kitsune's layout: ICMPv6 shows as IPv6 with no transport.
      protocol: p.protocol === 58 ? 0 : p.protocol,
      icmpType: p.protocol === 58 ? -1 : p.icmpType,
      icmpCode: p.protocol === 58 ? -1 : p.icmpCode,
    });
    expect(fromTsv.length).toBe(fromPcap.length);
    fromTsv.forEach((r, i) => {
      expect(r.time).toBeCloseTo(fromPcap[i].time, 9);
      expect({ ...r, time: 0 }).toEqual({ ...visible(fromPcap[i]), time: 0 });
    });
  });

  it('maps by names, not positions: reordered and extra columns give the same records', () => {
    const base = read(FILE).records;
    const names = HEADER.split('\t');
    const order = [...names.keys()].reverse();
    const shuffled = [
      [...order.map((i) => names[i]), 'frame.protocols'].join('\t'),
      ...ROWS.map((row) => {
        const cells = row.split('\t');
        return [...order.map((i) => cells[i]), 'eth:ethertype:ip'].join('\t');
      }),
    ].join('\n');
    expect(read(shuffled).records).toEqual(base);
  });

  it('reads optional tcp.flags, tcp.len and ip.proto columns', () => {
    const text =
      'frame.time_epoch\tframe.len\tip.src\tip.dst\tip.proto\ttcp.srcport\ttcp.dstport\ttcp.flags\ttcp.len\n1.5\t74\t1.1.1.1\t2.2.2.2\t6\t1000\t502\t0x0018\t12\n';
    expect(read(text).records[0]).toMatchObject({
      protocol: 6,
      tcpFlags: 0x18,
      payloadLength: 12,
      dstPort: 502,
    });
  });

  it('gives the same records for any chunking, CRLF line ends and a missing final newline', () => {
    const base = read(FILE).records;
    expect(read(FILE, [1]).records).toEqual(base);
    expect(read(FILE, [3, 17, 1, 64]).records).toEqual(base);
    expect(read(FILE.replaceAll('\n', '\r\n')).records).toEqual(base);
    expect(read(FILE.slice(0, -1)).records).toEqual(base);
    expect(read(`${FILE}\n\n`).records).toEqual(base);
    expect(read(`\ufeff${FILE}`).records).toEqual(base);
  });

  it('names the line and field of a malformed value, after delivering the rows before it', () => {
    const cases: [string, number, string][] = [
      [ROWS[1].replace('1540446383.291054000', '15404463x3.29'), 3, 'frame.time_epoch'],
      [ROWS[1].replace('\t60\t', '\t-60\t'), 3, 'frame.len'],
      [ROWS[1].replace('48:02:2e:01:83:15\tff', '48:02:2e:01:83\tff'), 3, 'eth.src'],
      [ROWS[0].replace('21074', '70000'), 3, 'tcp.srcport'],
      [ROWS[0].replace('52.24.43.67', '52.24.43.670'), 3, 'ip.dst'],
      [ROWS[0].slice(0, -1), 3, 'columns'],
      [`${ROWS[0]}\tx`, 3, 'columns'],
    ];
    for (const [bad, line, field] of cases) {
      const { records, error } = read([HEADER, ROWS[0], bad, ROWS[2]].join('\n'));
      const e = invalidError(error);
      expect(e.details[0], bad).toMatchObject({ line, field });
      expect(e.message).toContain(`line ${line}`);
      expect(records.map((r) => r.frame)).toEqual([1]);
    }
  });

  it('requires the time and length columns, and a header', () => {
    expect(invalidError(read('frame.len\teth.src\n60\t\n').error).details[0]).toMatchObject({
      line: 1,
      field: 'frame.time_epoch',
    });
    expect(invalidError(read('').error).details[0].line).toBe(1);
  });
});
