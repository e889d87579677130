import { invalid } from '../../../core/errors';
import { writeIpv4, writeIpv6, writeMac } from './addresses';
import { LinkType } from './decode';

/** What to put in a synthetic frame: a simulator's or a test's description of one packet. */
export interface FrameSpec {
  srcMac?: string;
  dstMac?: string;
  /** 802.1Q VLAN ids, outermost first. */
  vlanIds?: number[];
  ip?: {
    version?: 4 | 6;
    src: string;
    dst: string;
    ttl?: number;
    /** Fragment offset in 8-byte units (IPv4 header, or an IPv6 Fragment header when set). */
    fragmentOffset?: number;
    moreFragments?: boolean;
    /** IPv6 extension headers to chain before the transport: 0 hop-by-hop, 43 routing, 44 fragment, 60 dest options. */
    extensionHeaders?: number[];
    /** IP protocol for a raw `payload` (without tcp/udp/icmp). */
    protocol?: number;
  };
  tcp?: { srcPort: number; dstPort: number; flags?: number; payload?: Uint8Array };
  udp?: { srcPort: number; dstPort: number; payload?: Uint8Array };
  icmp?: { type: number; code: number; payload?: Uint8Array };
  arp?: { op: number; senderMac: string; senderIp: string; targetMac?: string; targetIp: string };
  payload?: Uint8Array;
}

const DEFAULT_SRC_MAC = '02:00:00:00:00:01';
const DEFAULT_DST_MAC = '02:00:00:00:00:02';

function mac(text: string, out: Uint8Array, at: number): void {
  if (!writeMac(text, out, at))
    throw invalid(`not a MAC address: ${text}`, [{ field: 'mac', message: text }]);
}

/**
 * Builds the bytes of one frame for `linkType` (Ethernet, raw IP or Linux SLL). Checksums are left 0
 * except the IPv4 header checksum: the readers do not verify them and tools accept them as offloaded.
 */
export function buildFrame(spec: FrameSpec, linkType: number = LinkType.ETHERNET): Uint8Array {
  const network = spec.arp ? arpBody(spec.arp) : spec.ip ? ipPacket(spec) : new Uint8Array(0);
  const etherType = spec.arp ? 0x0806 : spec.ip?.version === 6 ? 0x86dd : spec.ip ? 0x0800 : 0x88b5;
  if (linkType === LinkType.RAW) return network;
  if (linkType === LinkType.LINUX_SLL) {
    const out = new Uint8Array(16 + network.length);
    const v = new DataView(out.buffer);
    v.setUint16(0, 4); // sent by us
    v.setUint16(2, 1); // ARPHRD_ETHER
    v.setUint16(4, 6);
    mac(spec.srcMac ?? DEFAULT_SRC_MAC, out, 6);
    v.setUint16(14, etherType);
    out.set(network, 16);
    return out;
  }
  if (linkType !== LinkType.ETHERNET) {
    throw invalid(`cannot build frames for link type ${linkType}`, [
      { field: 'linkType', message: 'unsupported' },
    ]);
  }
  const tags = spec.vlanIds ?? [];
  const out = new Uint8Array(14 + tags.length * 4 + network.length);
  const v = new DataView(out.buffer);
  mac(spec.dstMac ?? DEFAULT_DST_MAC, out, 0);
  mac(spec.srcMac ?? DEFAULT_SRC_MAC, out, 6);
  let at = 12;
  for (const id of tags) {
    v.setUint16(at, 0x8100);
    v.setUint16(at + 2, id & 0x0fff);
    at += 4;
  }
  v.setUint16(at, etherType);
  out.set(network, at + 2);
  return out;
}

function arpBody(arp: NonNullable<FrameSpec['arp']>): Uint8Array {
  const out = new Uint8Array(28);
  const v = new DataView(out.buffer);
  v.setUint16(0, 1);
  v.setUint16(2, 0x0800);
  out[4] = 6;
  out[5] = 4;
  v.setUint16(6, arp.op);
  mac(arp.senderMac, out, 8);
  if (!writeIpv4(arp.senderIp, out, 14)) throw invalid(`not an IPv4 address: ${arp.senderIp}`);
  mac(arp.targetMac ?? '00:00:00:00:00:00', out, 18);
  if (!writeIpv4(arp.targetIp, out, 24)) throw invalid(`not an IPv4 address: ${arp.targetIp}`);
  return out;
}

function transport(spec: FrameSpec, v6: boolean): { protocol: number; bytes: Uint8Array } {
  if (spec.tcp) {
    const payload = spec.tcp.payload ?? new Uint8Array(0);
    const out = new Uint8Array(20 + payload.length);
    const v = new DataView(out.buffer);
    v.setUint16(0, spec.tcp.srcPort);
    v.setUint16(2, spec.tcp.dstPort);
    out[12] = 5 << 4;
    out[13] = spec.tcp.flags ?? 0x18;
    v.setUint16(14, 65535);
    out.set(payload, 20);
    return { protocol: 6, bytes: out };
  }
  if (spec.udp) {
    const payload = spec.udp.payload ?? new Uint8Array(0);
    const out = new Uint8Array(8 + payload.length);
    const v = new DataView(out.buffer);
    v.setUint16(0, spec.udp.srcPort);
    v.setUint16(2, spec.udp.dstPort);
    v.setUint16(4, out.length);
    out.set(payload, 8);
    return { protocol: 17, bytes: out };
  }
  if (spec.icmp) {
    const payload = spec.icmp.payload ?? new Uint8Array(4);
    const out = new Uint8Array(4 + payload.length);
    out[0] = spec.icmp.type;
    out[1] = spec.icmp.code;
    out.set(payload, 4);
    return { protocol: v6 ? 58 : 1, bytes: out };
  }
  return { protocol: spec.ip?.protocol ?? 59, bytes: spec.payload ?? new Uint8Array(0) };
}

function ipPacket(spec: FrameSpec): Uint8Array {
  const ip = spec.ip!;
  const v6 = ip.version === 6;
  const t = transport(spec, v6);
  if (!v6) {
    const out = new Uint8Array(20 + t.bytes.length);
    const v = new DataView(out.buffer);
    out[0] = 0x45;
    v.setUint16(2, out.length);
    v.setUint16(6, ((ip.moreFragments ? 1 : 0) << 13) | ((ip.fragmentOffset ?? 0) & 0x1fff));
    out[8] = ip.ttl ?? 64;
    out[9] = t.protocol;
    if (!writeIpv4(ip.src, out, 12) || !writeIpv4(ip.dst, out, 16)) {
      throw invalid(`not IPv4 addresses: ${ip.src} ${ip.dst}`, [{ field: 'ip', message: 'bad address' }]);
    }
    v.setUint16(10, ipv4Checksum(out));
    out.set(t.bytes, 20);
    return out;
  }
  const chain = [...(ip.extensionHeaders ?? [])];
  if (ip.fragmentOffset !== undefined && !chain.includes(44)) chain.push(44);
  const extLen = chain.length * 8;
  const out = new Uint8Array(40 + extLen + t.bytes.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, 6 << 28);
  v.setUint16(4, extLen + t.bytes.length);
  out[6] = chain.length > 0 ? chain[0] : t.protocol;
  out[7] = ip.ttl ?? 64;
  if (!writeIpv6(ip.src, out, 8) || !writeIpv6(ip.dst, out, 24)) {
    throw invalid(`not IPv6 addresses: ${ip.src} ${ip.dst}`, [{ field: 'ip', message: 'bad address' }]);
  }
  let at = 40;
  chain.forEach((type, i) => {
    out[at] = i + 1 < chain.length ? chain[i + 1] : t.protocol;
    out[at + 1] = 0; // 8 bytes long
    if (type === 44) v.setUint16(at + 2, ((ip.fragmentOffset ?? 0) << 3) | (ip.moreFragments ? 1 : 0));
    at += 8;
  });
  out.set(t.bytes, at);
  return out;
}

/** RFC 791 §3.1 / RFC 1071: ones' complement sum of the header's 16-bit words. */
function ipv4Checksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (header[i] << 8) | header[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** A Modbus/TCP ADU: MBAP header (transaction, protocol 0, length, unit) then function code and data. */
export function modbusAdu(
  transaction: number,
  unit: number,
  functionCode: number,
  data: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(8 + data.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, transaction);
  v.setUint16(4, 2 + data.length); // unit id + function code + data (Modbus Messaging on TCP/IP §3.1.3)
  out[6] = unit;
  out[7] = functionCode;
  out.set(data, 8);
  return out;
}
