import { ipv4At, ipv6At, macAt } from './addresses';
import type { PacketRecord } from './records';

/** Link-layer header types (tcpdump.org/linktypes.html) the decoder understands. */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100; // IEEE 802.1Q
const ETHERTYPE_QINQ = 0x88a8; // IEEE 802.1ad
const ETHERTYPE_VLAN_OLD_QINQ = 0x9100;
const MODBUS_TCP_PORT = 502; // Modbus Messaging on TCP/IP Implementation Guide v1.0b §4.1

/** Clears every decoded field (not frame, time, length) so a reused record carries nothing over. */
export function resetLayers(p: PacketRecord): void {
  p.srcMac = '';
  p.dstMac = '';
  p.ipVersion = 0;
  p.srcIp = '';
  p.dstIp = '';
  p.protocol = 0;
  p.srcPort = -1;
  p.dstPort = -1;
  p.tcpFlags = 0;
  p.icmpType = -1;
  p.icmpCode = -1;
  p.arpOp = 0;
  p.arpSenderMac = '';
  p.arpSenderIp = '';
  p.arpTargetIp = '';
  p.payloadLength = 0;
  p.appFunction = -1;
}

/**
 * Decodes the captured bytes `b[start, start + capLen)` of one frame of `linkType` into `p`, as far as
 * the captured bytes allow: a snaplen-truncated frame keeps the layers that were captured whole. A
 * header that is malformed (bad IP version, header length too small) ends decoding at that layer;
 * that is traffic content, not a file error, so it never throws.
 */
export function decodeFrame(
  linkType: number,
  b: Uint8Array,
  start: number,
  capLen: number,
  p: PacketRecord,
): void {
  resetLayers(p);
  const end = start + capLen;
  switch (linkType) {
    case LinkType.ETHERNET:
      decodeEthernet(b, start, end, p);
      return;
    case LinkType.RAW:
    case LinkType.IPV4:
    case LinkType.IPV6:
      decodeByVersion(b, start, end, p);
      return;
    case LinkType.LINUX_SLL:
      decodeSll(b, start, end, p);
      return;
    case LinkType.LINUX_SLL2:
      decodeSll2(b, start, end, p);
      return;
    case LinkType.NULL:
      decodeNull(b, start, end, p);
      return;
    default:
      return; // unknown link type: the record keeps frame, time and length only
  }
}

function decodeEthernet(b: Uint8Array, at: number, end: number, p: PacketRecord): void {
  if (end - at < 14) return;
  p.dstMac = macAt(b, at);
  p.srcMac = macAt(b, at + 6);
  let type = (b[at + 12] << 8) | b[at + 13];
  at += 14;
  // IEEE 802.1Q / 802.1ad: each tag is TPID (already read) + 2 bytes TCI, then the next EtherType.
  while (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_VLAN_OLD_QINQ) {
    if (end - at < 4) return;
    type = (b[at + 2] << 8) | b[at + 3];
    at += 4;
  }
  decodeEtherType(type, b, at, end, p);
}

function decodeEtherType(type: number, b: Uint8Array, at: number, end: number, p: PacketRecord): void {
  if (type === ETHERTYPE_IPV4) decodeIpv4(b, at, end, p);
  else if (type === ETHERTYPE_IPV6) decodeIpv6(b, at, end, p);
  else if (type === ETHERTYPE_ARP) decodeArp(b, at, end, p);
}

function decodeByVersion(b: Uint8Array, at: number, end: number, p: PacketRecord): void {
  if (end - at < 1) return;
  const version = b[at] >> 4;
  if (version === 4) decodeIpv4(b, at, end, p);
  else if (version === 6) decodeIpv6(b, at, end, p);
}

/** Linux cooked capture v1 (tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html): 16-byte header. */
function decodeSll(b: Uint8Array, at: number, end: number, p: PacketRecord): void {
  if (end - at < 16) return;
  const arphrd = (b[at + 2] << 8) | b[at + 3];
  const addrLen = (b[at + 4] << 8) | b[at + 5];
  if (arphrd === 1 && addrLen === 6) p.srcMac = macAt(b, at + 6); // ARPHRD_ETHER: sender's MAC
  decodeEtherType((b[at + 14] << 8) | b[at + 15], b, at + 16, end, p);
}

/** Linux cooked capture v2 (tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html): 20-byte header. */
function decodeSll2(b: Uint8Array, at: number, end: number, p: PacketRecord): void {
  if (end - at < 20) return;
  const arphrd = (b[at + 8] << 8) | b[at + 9];
  if (arphrd === 1 && b[at + 11] === 6) p.srcMac = macAt(b, at + 12);
  decodeEtherType((b[at] << 8) | b[at + 1], b, at + 20, end, p);
}

/** BSD loopback (LINKTYPE_NULL): a 4-byte address family in the capturing host's byte order. */
function decodeNull(b: Uint8Array, at: number, end: number, p: PacketRecord): void {
  if (end - at < 4) return;
  decodeByVersion(b, at + 4, end, p);
}

/** RFC 826: Ethernet/IPv4 ARP only (htype 1, ptype 0x0800, hlen 6, plen 4). */
function decodeArp(b: Uint8Array, at: number, end: number, p: PacketRecord): void {
  if (end - at < 28) return;
  if (b[at + 4] !== 6 || b[at + 5] !== 4 || ((b[at + 2] << 8) | b[at + 3]) !== ETHERTYPE_IPV4) return;
  p.arpOp = (b[at + 6] << 8) | b[at + 7];
  p.arpSenderMac = macAt(b, at + 8);
  p.arpSenderIp = ipv4At(b, at + 14);
  p.arpTargetIp = ipv4At(b, at + 24);
}

/** RFC 791 §3.1. */
function decodeIpv4(b: Uint8Array, at: number, end: number, p: PacketRecord): void {
  if (end - at < 20 || b[at] >> 4 !== 4) return;
  const ihl = (b[at] & 0x0f) * 4;
  if (ihl < 20) return;
  const totalLength = (b[at + 2] << 8) | b[at + 3];
  p.ipVersion = 4;
  p.protocol = b[at + 9];
  p.srcIp = ipv4At(b, at + 12);
  p.dstIp = ipv4At(b, at + 16);
  // Only the first fragment (offset 0) carries the transport header; later ones are all payload.
  const fragmentOffset = ((b[at + 6] & 0x1f) << 8) | b[at + 7];
  // Total length 0 happens with TCP segmentation offload on the capturing host; fall back to bytes seen.
  const ipPayload = totalLength === 0 ? end - at - ihl : totalLength - ihl;
  if (ipPayload < 0) return;
  if (fragmentOffset !== 0) {
    p.payloadLength = ipPayload;
    return;
  }
  decodeTransport(p.protocol, b, at + ihl, end, ipPayload, p);
}

/** RFC 8200 §3 and §4: walks Hop-by-Hop, Routing, Fragment and Destination Options headers. */
function decodeIpv6(b: Uint8Array, at: number, end: number, p: PacketRecord): void {
  if (end - at < 40 || b[at] >> 4 !== 6) return;
  p.ipVersion = 6;
  p.srcIp = ipv6At(b, at + 8);
  p.dstIp = ipv6At(b, at + 24);
  let next = b[at + 6];
  let remaining = (b[at + 4] << 8) | b[at + 5]; // payload length, extension headers included
  at += 40;
  for (;;) {
    if (next === 0 || next === 43 || next === 60) {
      if (end - at < 2) break;
      const len = (b[at + 1] + 1) * 8; // RFC 8200 §4.3: Hdr Ext Len in 8-octet units, not counting the first 8
      next = b[at];
      at += len;
      remaining -= len;
      continue;
    }
    if (next === 44) {
      if (end - at < 8) break;
      const fragmentOffset = ((b[at + 2] << 8) | b[at + 3]) >> 3; // RFC 8200 §4.5
      next = b[at];
      at += 8;
      remaining -= 8;
      if (fragmentOffset !== 0) {
        p.protocol = next;
        p.payloadLength = Math.max(remaining, 0);
        return;
      }
      continue;
    }
    p.protocol = next;
    if (remaining >= 0) decodeTransport(next, b, at, end, remaining, p);
    return;
  }
  p.protocol = next; // extension header chain cut short by the snaplen
}

function decodeTransport(
  protocol: number,
  b: Uint8Array,
  at: number,
  end: number,
  ipPayload: number,
  p: PacketRecord,
): void {
  const avail = end - at;
  if (protocol === 6) {
    // RFC 9293 §3.1
    if (avail < 4) return;
    p.srcPort = (b[at] << 8) | b[at + 1];
    p.dstPort = (b[at + 2] << 8) | b[at + 3];
    if (avail < 14) return;
    p.tcpFlags = b[at + 13];
    const dataOffset = (b[at + 12] >> 4) * 4;
    if (dataOffset < 20) return;
    const payload = ipPayload - dataOffset;
    p.payloadLength = Math.max(payload, 0);
    // Modbus/TCP: 7-byte MBAP header, then the function code (Modbus Application Protocol v1.1b3 §4.1).
    if ((p.srcPort === MODBUS_TCP_PORT || p.dstPort === MODBUS_TCP_PORT) && payload >= 8) {
      const fc = at + dataOffset + 7;
      if (fc < end) p.appFunction = b[fc];
    }
  } else if (protocol === 17) {
    // RFC 768
    if (avail < 4) return;
    p.srcPort = (b[at] << 8) | b[at + 1];
    p.dstPort = (b[at + 2] << 8) | b[at + 3];
    const payload = ipPayload - 8;
    p.payloadLength = Math.max(payload, 0);
  } else if (protocol === 1 || protocol === 58) {
    // RFC 792 / RFC 4443 §2.1: type and code lead the message.
    if (avail < 2) return;
    p.icmpType = b[at];
    p.icmpCode = b[at + 1];
  }
}
