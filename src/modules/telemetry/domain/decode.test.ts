import { describe, expect, it } from 'vitest';
import { decodeFrame, LinkType } from './decode';
import { buildFrame, type FrameSpec, modbusAdu } from './frames';
import { emptyPacket, type PacketRecord } from './records';

function decode(spec: FrameSpec, linkType: number = LinkType.ETHERNET, cut?: number): PacketRecord {
  const bytes = buildFrame(spec, linkType);
  const p = emptyPacket();
  decodeFrame(linkType, bytes, 0, cut ?? bytes.length, p);
  return p;
}

const MACS = { srcMac: '00:0c:29:ee:b7:84', dstMac: 'ff:ff:ff:ff:ff:ff' };

describe('decodeFrame', () => {
  it('decodes Ethernet, IPv4 and TCP with flags and payload length from the IP total length', () => {
    const p = decode({
      ...MACS,
      ip: { src: '192.168.1.100', dst: '10.0.0.1' },
      tcp: { srcPort: 3206, dstPort: 80, flags: 0x12, payload: new Uint8Array(33) },
    });
    expect(p).toMatchObject({
      srcMac: '00:0c:29:ee:b7:84',
      dstMac: 'ff:ff:ff:ff:ff:ff',
      ipVersion: 4,
      srcIp: '192.168.1.100',
      dstIp: '10.0.0.1',
      protocol: 6,
      srcPort: 3206,
      dstPort: 80,
      tcpFlags: 0x12,
      payloadLength: 33,
      appFunction: -1,
      icmpType: -1,
    });
  });

  it('ignores Ethernet padding when it takes the payload length from the IP header', () => {
    const bytes = buildFrame({ ip: { src: '1.1.1.1', dst: '2.2.2.2' }, tcp: { srcPort: 1, dstPort: 2 } });
    const padded = new Uint8Array(60);
    padded.set(bytes);
    const p = emptyPacket();
    decodeFrame(LinkType.ETHERNET, padded, 0, 60, p);
    expect(p.payloadLength).toBe(0);
  });

  it('skips stacked 802.1Q tags', () => {
    const p = decode({
      vlanIds: [10, 20],
      ip: { src: '1.2.3.4', dst: '5.6.7.8' },
      udp: { srcPort: 53, dstPort: 999 },
    });
    expect(p).toMatchObject({ ipVersion: 4, protocol: 17, srcPort: 53, dstPort: 999, srcIp: '1.2.3.4' });
  });

  it('gives ports only to the first IPv4 fragment', () => {
    const ip = { src: '1.2.3.4', dst: '5.6.7.8' };
    const first = decode({
      ip: { ...ip, moreFragments: true },
      udp: { srcPort: 5, dstPort: 6, payload: new Uint8Array(100) },
    });
    expect(first).toMatchObject({ protocol: 17, srcPort: 5, dstPort: 6, payloadLength: 100 });
    const later = decode({
      ip: { ...ip, fragmentOffset: 14 },
      udp: { srcPort: 5, dstPort: 6, payload: new Uint8Array(100) },
    });
    expect(later).toMatchObject({ protocol: 17, srcPort: -1, dstPort: -1, payloadLength: 108 });
  });

  it('walks IPv6 extension headers to the transport', () => {
    const p = decode({
      ip: { version: 6, src: '2001:db8::1', dst: 'fe80::2', extensionHeaders: [0, 43, 60] },
      tcp: { srcPort: 443, dstPort: 50000, flags: 0x10, payload: new Uint8Array(7) },
    });
    expect(p).toMatchObject({
      ipVersion: 6,
      srcIp: '2001:db8::1',
      dstIp: 'fe80::2',
      protocol: 6,
      srcPort: 443,
      payloadLength: 7,
    });
  });

  it('gives ports only to the first IPv6 fragment', () => {
    const ip = { version: 6 as const, src: '::1', dst: '::2' };
    expect(
      decode({ ip: { ...ip, fragmentOffset: 0, moreFragments: true }, udp: { srcPort: 7, dstPort: 8 } }),
    ).toMatchObject({
      protocol: 17,
      srcPort: 7,
    });
    expect(decode({ ip: { ...ip, fragmentOffset: 3 }, udp: { srcPort: 7, dstPort: 8 } })).toMatchObject({
      protocol: 17,
      srcPort: -1,
      payloadLength: 8,
    });
  });

  it('decodes ICMP and ICMPv6 type and code', () => {
    expect(decode({ ip: { src: '1.1.1.1', dst: '2.2.2.2' }, icmp: { type: 3, code: 1 } })).toMatchObject({
      protocol: 1,
      icmpType: 3,
      icmpCode: 1,
      srcPort: -1,
    });
    expect(
      decode({ ip: { version: 6, src: 'fe80::1', dst: 'ff02::1' }, icmp: { type: 134, code: 0 } }),
    ).toMatchObject({
      protocol: 58,
      icmpType: 134,
      icmpCode: 0,
    });
  });

  it('decodes ARP sender and target', () => {
    const p = decode({
      ...MACS,
      arp: { op: 2, senderMac: '48:02:2e:01:83:15', senderIp: '192.168.2.109', targetIp: '192.168.2.106' },
    });
    expect(p).toMatchObject({
      ipVersion: 0,
      protocol: 0,
      arpOp: 2,
      arpSenderMac: '48:02:2e:01:83:15',
      arpSenderIp: '192.168.2.109',
      arpTargetIp: '192.168.2.106',
    });
  });

  it('takes the Modbus function code at payload offset 7 on port 502, in either direction', () => {
    const ip = { src: '192.168.1.100', dst: '192.168.1.104' };
    const adu = modbusAdu(1, 1, 5, new Uint8Array([0, 1, 0xff, 0]));
    expect(decode({ ip, tcp: { srcPort: 3206, dstPort: 502, payload: adu } }).appFunction).toBe(5);
    expect(
      decode({ ip, tcp: { srcPort: 502, dstPort: 3206, payload: modbusAdu(1, 1, 0x83, new Uint8Array(1)) } })
        .appFunction,
    ).toBe(0x83);
    expect(decode({ ip, tcp: { srcPort: 3206, dstPort: 80, payload: adu } }).appFunction).toBe(-1);
    expect(
      decode({ ip, tcp: { srcPort: 3206, dstPort: 502, payload: adu.subarray(0, 7) } }).appFunction,
    ).toBe(-1);
  });

  it('decodes a snaplen-truncated frame as far as the bytes go', () => {
    const spec: FrameSpec = {
      ...MACS,
      ip: { src: '1.2.3.4', dst: '5.6.7.8' },
      tcp: { srcPort: 1000, dstPort: 502, payload: modbusAdu(1, 1, 3, new Uint8Array(4)) },
    };
    expect(decode(spec, LinkType.ETHERNET, 14 + 20 + 4)).toMatchObject({
      ipVersion: 4,
      srcPort: 1000,
      dstPort: 502,
      tcpFlags: 0,
      appFunction: -1,
    });
    expect(decode(spec, LinkType.ETHERNET, 14 + 10)).toMatchObject({
      srcMac: MACS.srcMac,
      ipVersion: 0,
      srcIp: '',
    });
    expect(decode(spec, LinkType.ETHERNET, 14 + 20 + 20 + 7)).toMatchObject({
      payloadLength: 12,
      appFunction: -1,
    });
    expect(decode(spec, LinkType.ETHERNET, 14 + 20 + 20 + 8).appFunction).toBe(3);
  });

  it('decodes raw IP and Linux cooked captures', () => {
    const spec: FrameSpec = {
      ...MACS,
      ip: { src: '10.1.1.1', dst: '10.2.2.2' },
      udp: { srcPort: 1, dstPort: 2 },
    };
    expect(decode(spec, LinkType.RAW)).toMatchObject({
      srcMac: '',
      ipVersion: 4,
      srcIp: '10.1.1.1',
      srcPort: 1,
    });
    expect(decode(spec, LinkType.LINUX_SLL)).toMatchObject({
      srcMac: MACS.srcMac,
      dstMac: '',
      srcIp: '10.1.1.1',
      dstPort: 2,
    });
  });

  it('clears every layer of the reused record', () => {
    const p = emptyPacket();
    const arp = buildFrame({
      arp: { op: 1, senderMac: '01:02:03:04:05:06', senderIp: '1.1.1.1', targetIp: '2.2.2.2' },
    });
    const tcp = buildFrame({
      ip: { src: '1.1.1.1', dst: '2.2.2.2' },
      tcp: { srcPort: 502, dstPort: 9, payload: modbusAdu(0, 0, 1, new Uint8Array(4)) },
    });
    decodeFrame(LinkType.ETHERNET, tcp, 0, tcp.length, p);
    decodeFrame(LinkType.ETHERNET, arp, 0, arp.length, p);
    const fresh = emptyPacket();
    decodeFrame(LinkType.ETHERNET, arp, 0, arp.length, fresh);
    expect(p).toEqual(fresh);
  });

  it('stops at a malformed IP header instead of reading garbage', () => {
    const bytes = buildFrame({ ip: { src: '1.1.1.1', dst: '2.2.2.2' }, tcp: { srcPort: 1, dstPort: 2 } });
    bytes[14] = 0x43; // IHL 3 words: below the 20-byte minimum
    const p = emptyPacket();
    decodeFrame(LinkType.ETHERNET, bytes, 0, bytes.length, p);
    expect(p.ipVersion).toBe(0);
    expect(p.srcPort).toBe(-1);
  });

  it('leaves an unknown link type undecoded', () => {
    const bytes = buildFrame({ ip: { src: '1.1.1.1', dst: '2.2.2.2' } });
    const p = emptyPacket();
    decodeFrame(147, bytes, 0, bytes.length, p);
    expect(p).toEqual(emptyPacket());
  });
});
