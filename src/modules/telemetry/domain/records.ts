/**
 * The normalised records every reader produces and every detector consumes.
 *
 * Readers REUSE one PacketRecord object per stream (they mutate it and hand it out again), so a
 * consumer that keeps a packet beyond the callback must copy it (`copyPacket`). This keeps the
 * per-packet hot path free of allocation apart from address strings.
 */
export interface PacketRecord {
  /** Frame number, from 1, in file order. */
  frame: number;
  /** Seconds since the Unix epoch, UTC, with sub-second fraction. */
  time: number;
  /** Bytes on the wire (frame.len / pcap orig_len). */
  length: number;
  /** "aa:bb:cc:dd:ee:ff" lower case, "" when the link layer has none. */
  srcMac: string;
  dstMac: string;
  /** 0 = no IP layer, 4 or 6. */
  ipVersion: 0 | 4 | 6;
  /** Dotted IPv4 or RFC 5952 IPv6 text; "" when there is no IP layer. */
  srcIp: string;
  dstIp: string;
  /** IP protocol number: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6; 0 when none. */
  protocol: number;
  /** TCP/UDP ports; -1 when the protocol has none. */
  srcPort: number;
  dstPort: number;
  /** TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80); 0 otherwise. */
  tcpFlags: number;
  /** ICMP / ICMPv6 type and code; -1 when not ICMP. */
  icmpType: number;
  icmpCode: number;
  /** ARP opcode (1 request, 2 reply); 0 when not ARP. */
  arpOp: number;
  /** ARP sender hardware / protocol address and target protocol address; "" when not ARP. */
  arpSenderMac: string;
  arpSenderIp: string;
  arpTargetIp: string;
  /** Transport payload length in bytes (TCP/UDP data), 0 when none or unknown. */
  payloadLength: number;
  /**
   * Application function code where the reader can see one: Modbus/TCP function code (port 502),
   * -1 otherwise. Readers that only see header fields (tshark TSV) leave -1.
   */
  appFunction: number;
}

export function emptyPacket(): PacketRecord {
  return {
    frame: 0,
    time: 0,
    length: 0,
    srcMac: '',
    dstMac: '',
    ipVersion: 0,
    srcIp: '',
    dstIp: '',
    protocol: 0,
    srcPort: -1,
    dstPort: -1,
    tcpFlags: 0,
    icmpType: -1,
    icmpCode: -1,
    arpOp: 0,
    arpSenderMac: '',
    arpSenderIp: '',
    arpTargetIp: '',
    payloadLength: 0,
    appFunction: -1,
  };
}

export const copyPacket = (p: PacketRecord): PacketRecord => ({ ...p });

/** A connection record with the fields of Zeek's conn.log (names in camelCase). */
export interface FlowRecord {
  /** Zeek uid, or an id the assembler made. */
  uid: string;
  /** Start time, seconds since the epoch. */
  ts: number;
  origHost: string;
  origPort: number;
  respHost: string;
  respPort: number;
  /** "tcp" | "udp" | "icmp" | other transport name as Zeek writes it. */
  proto: string;
  /** Zeek's service guess ("http", "dns", "ssh", ...) or null when unset. */
  service: string | null;
  duration: number | null;
  origBytes: number | null;
  respBytes: number | null;
  /** Zeek conn_state: S0, S1, SF, REJ, S2, S3, RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH. */
  connState: string | null;
  localOrig: boolean | null;
  localResp: boolean | null;
  missedBytes: number | null;
  /** Zeek history string, e.g. "ShADadFf". */
  history: string | null;
  origPkts: number | null;
  origIpBytes: number | null;
  respPkts: number | null;
  respIpBytes: number | null;
}
