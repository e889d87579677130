import { resetLayers } from './decode';
import { AsciiInterner, invalidLine, LineReader, latin1Text, parseDecimal, parseUnsigned } from './lines';
import type { OnPacket } from './pcap';
import { emptyPacket } from './records';

const TAB = 9;
const COMMA = 44;
const FORMAT = 'tshark TSV';

// Column roles: tshark field names (Wireshark display filter reference) mapped by the header line.
enum Col {
  Ignore,
  Time,
  Length,
  EthSrc,
  EthDst,
  IpSrc,
  IpDst,
  Ip6Src,
  Ip6Dst,
  IpProto,
  TcpSrc,
  TcpDst,
  TcpFlags,
  TcpLen,
  UdpSrc,
  UdpDst,
  IcmpType,
  IcmpCode,
  ArpOp,
  ArpSenderMac,
  ArpSenderIp,
  ArpTargetIp,
}

const COLUMNS: Record<string, Col> = {
  'frame.time_epoch': Col.Time,
  'frame.len': Col.Length,
  'eth.src': Col.EthSrc,
  'eth.dst': Col.EthDst,
  'ip.src': Col.IpSrc,
  'ip.dst': Col.IpDst,
  'ipv6.src': Col.Ip6Src,
  'ipv6.dst': Col.Ip6Dst,
  'ip.proto': Col.IpProto,
  'tcp.srcport': Col.TcpSrc,
  'tcp.dstport': Col.TcpDst,
  'tcp.flags': Col.TcpFlags,
  'tcp.len': Col.TcpLen,
  'udp.srcport': Col.UdpSrc,
  'udp.dstport': Col.UdpDst,
  'icmp.type': Col.IcmpType,
  'icmp.code': Col.IcmpCode,
  'arp.opcode': Col.ArpOp,
  'arp.src.hw_mac': Col.ArpSenderMac,
  'arp.src.proto_ipv4': Col.ArpSenderIp,
  'arp.dst.proto_ipv4': Col.ArpTargetIp,
};

/**
 * Push parser for tshark field output (`tshark -T fields -E header=y -E separator=/t`) in Kitsune's
 * layout, mapped by the header's field names, so extra or reordered columns are fine. The frame
 * number is the data row's index from 1. Header-only formats carry no flags or payload, so tcpFlags
 * and payloadLength stay 0 unless tcp.flags / tcp.len columns are present, and appFunction stays -1.
 */
export class TsharkTsvReader extends LineReader {
  protected readonly format = FORMAT;
  private readonly packet = emptyPacket();
  private readonly interner = new AsciiInterner();
  private roles: Uint8Array | null = null;
  private names: string[] = [];
  private count = 0;
  // Per-row scratch: which transport columns were filled.
  private tcpSrc = -1;
  private tcpDst = -1;
  private udpSrc = -1;
  private udpDst = -1;
  private ip4Src = '';
  private ip4Dst = '';
  private ip6Src = '';
  private ip6Dst = '';

  constructor(private readonly onPacket: OnPacket) {
    super();
  }

  get packets(): number {
    return this.count;
  }

  protected line(b: Uint8Array, start: number, end: number): void {
    if (this.roles === null) {
      this.header(b, start, end);
      return;
    }
    if (end === start) return; // a blank line (e.g. at the end of the file) is not a frame
    const roles = this.roles;
    const p = this.packet;
    resetLayers(p);
    this.tcpSrc = this.tcpDst = this.udpSrc = this.udpDst = -1;
    this.ip4Src = this.ip4Dst = this.ip6Src = this.ip6Dst = '';
    let time = Number.NaN;
    let length = -1;
    let column = 0;
    let from = start;
    for (;;) {
      let to = from;
      while (to < end && b[to] !== TAB) to++;
      if (column >= roles.length) {
        throw invalidLine(
          FORMAT,
          this.lineNumber,
          'columns',
          `more than the header's ${roles.length} columns`,
        );
      }
      if (to > from) {
        const role = roles[column];
        if (role === Col.Time) {
          time = parseDecimal(b, from, to);
          if (!(time >= 0) || !Number.isFinite(time)) this.bad(column, b, from, to);
        } else if (role === Col.Length) {
          length = parseUnsigned(b, from, to);
          if (length < 0) this.bad(column, b, from, to);
        } else if (role !== Col.Ignore) {
          this.field(role, column, b, from, firstOccurrence(b, from, to));
        }
      }
      column++;
      if (to >= end) break;
      from = to + 1;
    }
    if (column !== roles.length) {
      throw invalidLine(
        FORMAT,
        this.lineNumber,
        'columns',
        `${column} columns, the header names ${roles.length}`,
      );
    }
    if (Number.isNaN(time))
      throw invalidLine(FORMAT, this.lineNumber, 'frame.time_epoch', 'missing timestamp');
    if (length < 0) throw invalidLine(FORMAT, this.lineNumber, 'frame.len', 'missing frame length');
    this.network();
    if (p.icmpType >= 0) {
      // The outer protocol of an ICMP error is ICMP; tshark's port columns then describe the quoted
      // packet inside it. Matching the binary decoder keeps both readers' records the same.
      p.protocol = 1;
    } else if (this.tcpSrc >= 0 || this.tcpDst >= 0) {
      p.protocol = 6;
      p.srcPort = this.tcpSrc;
      p.dstPort = this.tcpDst;
    } else if (this.udpSrc >= 0 || this.udpDst >= 0) {
      p.protocol = 17;
      p.srcPort = this.udpSrc;
      p.dstPort = this.udpDst;
    }
    p.frame = ++this.count;
    p.time = time;
    p.length = length;
    this.onPacket(p);
  }

  private field(role: Col, column: number, b: Uint8Array, from: number, to: number): void {
    const p = this.packet;
    switch (role) {
      case Col.EthSrc:
      case Col.EthDst:
      case Col.ArpSenderMac: {
        if (!isMac(b, from, to)) this.bad(column, b, from, to);
        const mac = this.interner.get(b, from, to);
        if (role === Col.EthSrc) p.srcMac = mac;
        else if (role === Col.EthDst) p.dstMac = mac;
        else p.arpSenderMac = mac;
        return;
      }
      case Col.IpSrc:
      case Col.IpDst:
      case Col.ArpSenderIp:
      case Col.ArpTargetIp: {
        if (!isIpv4(b, from, to)) this.bad(column, b, from, to);
        const ip = this.interner.get(b, from, to);
        if (role === Col.IpSrc) this.ip4Src = ip;
        else if (role === Col.IpDst) this.ip4Dst = ip;
        else if (role === Col.ArpSenderIp) p.arpSenderIp = ip;
        else p.arpTargetIp = ip;
        return;
      }
      case Col.Ip6Src:
      case Col.Ip6Dst: {
        if (!isIpv6(b, from, to)) this.bad(column, b, from, to);
        const ip = this.interner.get(b, from, to);
        if (role === Col.Ip6Src) this.ip6Src = ip;
        else this.ip6Dst = ip;
        return;
      }
      case Col.TcpFlags: {
        // tshark prints tcp.flags as hex ("0x0018") or, with -E... as decimal.
        const v = hexOrDecimal(b, from, to);
        if (v < 0 || v > 0xfff) this.bad(column, b, from, to);
        p.tcpFlags = v & 0xff;
        return;
      }
      default: {
        const v = parseUnsigned(b, from, to);
        const max = role === Col.IpProto || role === Col.IcmpType || role === Col.IcmpCode ? 255 : 65535;
        if (v < 0 || v > max) this.bad(column, b, from, to);
        if (role === Col.TcpSrc) this.tcpSrc = v;
        else if (role === Col.TcpDst) this.tcpDst = v;
        else if (role === Col.UdpSrc) this.udpSrc = v;
        else if (role === Col.UdpDst) this.udpDst = v;
        else if (role === Col.IcmpType) p.icmpType = v;
        else if (role === Col.IcmpCode) p.icmpCode = v;
        else if (role === Col.ArpOp) p.arpOp = v;
        else if (role === Col.IpProto) p.protocol = v;
        else if (role === Col.TcpLen) p.payloadLength = v;
      }
    }
  }

  /**
   * The network layer of the row. With both IPv4 and IPv6 columns filled (a 6in4 tunnel), the outer
   * IPv4 header is the packet's own, as in the binary decoder; an address without its peer is corrupt.
   */
  private network(): void {
    const p = this.packet;
    if (this.ip4Src || this.ip4Dst) {
      if (!this.ip4Src || !this.ip4Dst) {
        const missing = this.ip4Src ? 'ip.dst' : 'ip.src';
        throw invalidLine(FORMAT, this.lineNumber, missing, 'IPv4 address without its peer');
      }
      p.ipVersion = 4;
      p.srcIp = this.ip4Src;
      p.dstIp = this.ip4Dst;
    } else if (this.ip6Src || this.ip6Dst) {
      if (!this.ip6Src || !this.ip6Dst) {
        const missing = this.ip6Src ? 'ipv6.dst' : 'ipv6.src';
        throw invalidLine(FORMAT, this.lineNumber, missing, 'IPv6 address without its peer');
      }
      p.ipVersion = 6;
      p.srcIp = this.ip6Src;
      p.dstIp = this.ip6Dst;
    }
  }

  private header(b: Uint8Array, start: number, end: number): void {
    this.names = latin1Text(b, start, end).split('\t');
    const roles = new Uint8Array(this.names.length);
    this.names.forEach((name, i) => {
      roles[i] = COLUMNS[name.trim()] ?? Col.Ignore;
    });
    for (const required of ['frame.time_epoch', 'frame.len']) {
      if (!this.names.some((n) => n.trim() === required)) {
        throw invalidLine(FORMAT, this.lineNumber, required, `the header line has no ${required} column`);
      }
    }
    this.roles = roles;
  }

  private bad(column: number, b: Uint8Array, from: number, to: number): never {
    const shown = latin1Text(b, from, Math.min(to, from + 60));
    throw invalidLine(
      FORMAT,
      this.lineNumber,
      this.names[column],
      `malformed value ${JSON.stringify(shown)}`,
    );
  }

  protected override finish(): void {
    if (this.roles === null) throw invalidLine(FORMAT, 1, 'header', 'empty file: no header line');
  }
}

/** tshark joins repeated fields (an ICMP error's quoted header) with commas; the first is the outer one. */
function firstOccurrence(b: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) if (b[i] === COMMA) return i;
  return to;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function isMac(b: Uint8Array, from: number, to: number): boolean {
  if (to - from !== 17) return false;
  for (let i = 0; i < 17; i++) {
    const c = b[from + i];
    if (i % 3 === 2 ? c !== 58 : !isHex(c)) return false;
  }
  return true;
}

function isIpv4(b: Uint8Array, from: number, to: number): boolean {
  let dots = 0;
  let digits = 0;
  let value = 0;
  for (let i = from; i < to; i++) {
    const c = b[i];
    if (c === 46) {
      if (digits === 0) return false;
      dots++;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return false;
    } else return false;
  }
  return dots === 3 && digits > 0;
}

function isIpv6(b: Uint8Array, from: number, to: number): boolean {
  if (to - from < 2 || to - from > 45) return false;
  let colons = 0;
  for (let i = from; i < to; i++) {
    const c = b[i];
    if (c === 58) colons++;
    else if (!isHex(c) && c !== 46) return false;
  }
  return colons >= 2 && colons <= 7;
}

function hexOrDecimal(b: Uint8Array, from: number, to: number): number {
  if (to - from > 2 && b[from] === 48 && (b[from + 1] === 120 || b[from + 1] === 88)) {
    if (to - from > 10) return -1;
    let v = 0;
    for (let i = from + 2; i < to; i++) {
      const c = b[i];
      if (!isHex(c)) return -1;
      v = v * 16 + (c <= 57 ? c - 48 : (c | 0x20) - 87);
    }
    return v;
  }
  return parseUnsigned(b, from, to);
}
