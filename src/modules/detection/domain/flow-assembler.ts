/**
 * Turns a packet stream into connection records like Zeek's conn.log, so the flow rules run on pcap
 * files and live packet streams as they do on Zeek logs.
 *
 * Follows Zeek's definitions (base/protocols/conn/main.zeek, analyzer/protocol/tcp/TCP.cc):
 * - a connection is a 5-tuple; the originator is the sender of the first packet, except that a first
 *   packet that is a SYN-ACK is taken as the responder's (history gets '^', "flipped");
 * - history letters, upper case for the originator: S syn, H syn-ack, A pure ack, D payload, F fin,
 *   R rst, Q multi-flag, I fin+rst; each letter once per direction. (C, G, T, W need sequence numbers and checksums, which
 *   PacketRecord does not carry, so they are never written.)
 * - conn_state from the two endpoint states exactly as Zeek's `conn_state()` derives it;
 * - a connection ends on inactivity (tcp 5 min, udp and icmp 1 min: Zeek's tcp_inactivity_timeout,
 *   udp_inactivity_timeout, icmp_inactivity_timeout), 5 s after an unanswered attempt (tcp_SYN_timeout /
 *   tcp_attempt_delay), 5 s after both sides closed or one reset (tcp_close_delay, tcp_reset_delay),
 *   and on flush.
 * Byte counts are sums of transport payload lengths (Zeek uses sequence-number ranges, which agree
 * without retransmissions); IP bytes are frame lengths less the 14-byte Ethernet header.
 */
import type { FlowRecord, PacketRecord } from '../../telemetry/domain/records';
import {
  CLOSED,
  connState,
  ESTABLISHED,
  INACTIVE,
  PARTIAL,
  RESET,
  SYN_ACK_SENT,
  SYN_SENT,
} from './flow-conn-state';
import { hashA } from './flow-state';

export interface FlowAssemblerOptions {
  tcpInactivitySeconds?: number;
  udpInactivitySeconds?: number;
  icmpInactivitySeconds?: number;
  /** Unanswered TCP attempt (SYN with no reply) expiry. */
  attemptSeconds?: number;
  /** Delay after both FINs or a RST before the record is final. */
  closeDelaySeconds?: number;
  /** Prefix of the uids the assembler makes ("C" like Zeek). */
  uidPrefix?: string;
  /**
   * Open connections kept at most (default 500,000). Past it, the longest idle tenth are ended early, so
   * a spoofed-source flood cannot exhaust memory (Zeek has no such cap; a sensor on a gateway must).
   */
  maxConnections?: number;
}

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

interface Connection {
  next: Connection | undefined;
  hash: number;
  origIp: string;
  origPort: number;
  respIp: string;
  respPort: number;
  protocol: number;
  start: number;
  last: number;
  origPkts: number;
  respPkts: number;
  origBytes: number;
  respBytes: number;
  origIpBytes: number;
  respIpBytes: number;
  origState: number;
  respState: number;
  /** Bit i set when history letter i was written for that direction. */
  origLetters: number;
  respLetters: number;
  history: string;
  /** Time after which the record is final even without inactivity (close/reset/attempt delays); 0 = none. */
  closeAt: number;
  /** Both sides closed or one reset: the record is final once closeAt passes. */
  closing: boolean;
  modbus: boolean;
}

const LETTERS = 'SHADFRQI';
const L_S = 0;
const L_H = 1;
const L_A = 2;
const L_D = 3;
const L_F = 4;
const L_R = 5;
const L_Q = 6;
const L_I = 7;

export class FlowAssembler {
  private readonly table = new Map<number, Connection>();
  private active = 0;
  private serial = 0;
  private lastSweep = 0;
  private readonly tcpIdle: number;
  private readonly udpIdle: number;
  private readonly icmpIdle: number;
  private readonly attempt: number;
  private readonly closeDelay: number;
  private readonly uidPrefix: string;
  private readonly maxConnections: number;

  constructor(
    private readonly onFlow: (flow: FlowRecord) => void,
    opts: FlowAssemblerOptions = {},
  ) {
    this.tcpIdle = opts.tcpInactivitySeconds ?? 300;
    this.udpIdle = opts.udpInactivitySeconds ?? 60;
    this.icmpIdle = opts.icmpInactivitySeconds ?? 60;
    this.attempt = opts.attemptSeconds ?? 5;
    this.closeDelay = opts.closeDelaySeconds ?? 5;
    this.uidPrefix = opts.uidPrefix ?? 'C';
    this.maxConnections = Math.max(10, opts.maxConnections ?? 500_000);
  }

  /** Connections currently open. */
  get openConnections(): number {
    return this.active;
  }

  /** Feeds one packet (it may be a reused object: nothing of it is kept but copied strings). */
  push(p: PacketRecord): void {
    if (p.ipVersion === 0) return; // ARP and other non-IP frames are not connections
    const t = p.time;
    if (t - this.lastSweep >= 1) this.expire(t);
    const icmp = p.protocol === 1 || p.protocol === 58;
    const sp = icmp ? -1 : p.srcPort;
    const dp = icmp ? -1 : p.dstPort;
    const ha = (hashA(p.srcIp) ^ Math.imul(sp + 1, 0x9e3779b1)) | 0;
    const hb = (hashA(p.dstIp) ^ Math.imul(dp + 1, 0x9e3779b1)) | 0;
    // Symmetric in the two endpoints, so both directions find the same connection.
    const hash = (Math.imul(ha ^ hb, 0x85ebca6b) + Math.imul(ha + hb, 0xc2b2ae35) + p.protocol) | 0;

    let c = this.table.get(hash);
    let fromOrig = true;
    while (c) {
      if (c.protocol === p.protocol) {
        if (
          c.origIp === p.srcIp &&
          c.respIp === p.dstIp &&
          (icmp || (c.origPort === sp && c.respPort === dp))
        )
          break;
        if (
          c.origIp === p.dstIp &&
          c.respIp === p.srcIp &&
          (icmp || (c.origPort === dp && c.respPort === sp))
        ) {
          fromOrig = false;
          break;
        }
      }
      c = c.next;
    }
    // A TCP SYN on a connection that already ended (reset / closed) starts a new one, as in Zeek.
    if (c && p.protocol === 6 && (p.tcpFlags & (SYN | ACK)) === SYN && c.closing) {
      this.finish(c);
      c = undefined;
    }
    if (!c) {
      if (this.active >= this.maxConnections) this.shed();
      c = this.open(p, hash, icmp);
      fromOrig = c.origIp === p.srcIp && (icmp || c.origPort === sp);
    }
    this.update(c, p, fromOrig);
  }

  /** Emits every connection idle past its timeout or past its close delay at time `now`. */
  expire(now: number): void {
    this.lastSweep = now;
    const due: Connection[] = [];
    for (const head of this.table.values()) {
      for (let c: Connection | undefined = head; c; c = c.next) {
        if ((c.closeAt > 0 && now >= c.closeAt) || now - c.last > this.idleOf(c)) due.push(c);
      }
    }
    due.sort((a, b) => a.start - b.start);
    for (const c of due) this.finish(c);
  }

  /** Ends the longest idle tenth of the open connections. */
  private shed(): void {
    const all: Connection[] = [];
    for (const head of this.table.values())
      for (let c: Connection | undefined = head; c; c = c.next) all.push(c);
    all.sort((a, b) => a.last - b.last);
    const n = Math.max(1, Math.floor(all.length / 10));
    const due = all.slice(0, n).sort((a, b) => a.start - b.start);
    for (const c of due) this.finish(c);
  }

  /** Emits every open connection (end of file or stream), in start order. */
  flush(): void {
    const all: Connection[] = [];
    for (const head of this.table.values())
      for (let c: Connection | undefined = head; c; c = c.next) all.push(c);
    all.sort((a, b) => a.start - b.start);
    for (const c of all) this.finish(c);
  }

  private idleOf(c: Connection): number {
    if (c.protocol === 6) return this.tcpIdle;
    if (c.protocol === 17) return this.udpIdle;
    return this.icmpIdle;
  }

  private open(p: PacketRecord, hash: number, icmp: boolean): Connection {
    // A first packet that is a SYN-ACK comes from the responder: flip (Zeek's '^').
    const flip = p.protocol === 6 && (p.tcpFlags & (SYN | ACK)) === (SYN | ACK);
    const c: Connection = {
      next: this.table.get(hash),
      hash,
      origIp: flip ? p.dstIp : p.srcIp,
      origPort: icmp ? p.icmpType : flip ? p.dstPort : p.srcPort,
      respIp: flip ? p.srcIp : p.dstIp,
      respPort: icmp ? p.icmpCode : flip ? p.srcPort : p.dstPort,
      protocol: p.protocol,
      start: p.time,
      last: p.time,
      origPkts: 0,
      respPkts: 0,
      origBytes: 0,
      respBytes: 0,
      origIpBytes: 0,
      respIpBytes: 0,
      origState: INACTIVE,
      respState: INACTIVE,
      origLetters: 0,
      respLetters: 0,
      history: flip ? '^' : '',
      closeAt: 0,
      closing: false,
      modbus: false,
    };
    this.table.set(hash, c);
    this.active++;
    return c;
  }

  private update(c: Connection, p: PacketRecord, fromOrig: boolean): void {
    if (p.time > c.last) c.last = p.time;
    const ipBytes = p.srcMac !== '' && p.length > 14 ? p.length - 14 : p.length;
    const payload = p.payloadLength;
    if (fromOrig) {
      c.origPkts++;
      c.origBytes += payload;
      c.origIpBytes += ipBytes;
    } else {
      c.respPkts++;
      c.respBytes += payload;
      c.respIpBytes += ipBytes;
    }
    if (p.appFunction >= 0 && (c.respPort === 502 || c.origPort === 502)) c.modbus = true;
    if (p.protocol === 6) this.updateTcp(c, p.tcpFlags, payload, fromOrig, p.time);
    else {
      if (payload > 0 || p.protocol !== 17) this.letter(c, L_D, fromOrig);
      // UDP/ICMP "state" is just whether each side sent something (Zeek UDP_ACTIVE).
      if (fromOrig) c.origState = ESTABLISHED;
      else c.respState = ESTABLISHED;
    }
  }

  private updateTcp(c: Connection, flags: number, payload: number, fromOrig: boolean, t: number): void {
    const syn = (flags & SYN) !== 0;
    const ack = (flags & ACK) !== 0;
    const fin = (flags & FIN) !== 0;
    const rst = (flags & RST) !== 0;
    // Zeek TCP.cc update_history(): several of SYN/FIN/RST at once is 'Q' (or 'I' for FIN+RST); one of
    // them gives its letter; otherwise payload is 'D' and a bare ACK 'A'.
    const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
    if (bits > 1) this.letter(c, fin && rst ? L_I : L_Q, fromOrig);
    else if (syn) this.letter(c, ack ? L_H : L_S, fromOrig);
    else if (fin) this.letter(c, L_F, fromOrig);
    else if (rst) this.letter(c, L_R, fromOrig);
    else if (payload > 0) this.letter(c, L_D, fromOrig);
    else if (ack) this.letter(c, L_A, fromOrig);

    let me = fromOrig ? c.origState : c.respState;
    let peer = fromOrig ? c.respState : c.origState;
    if (rst) me = RESET;
    else if (syn && !ack) {
      if (me === INACTIVE) me = SYN_SENT;
    } else if (syn && ack) {
      if (me === INACTIVE || me === PARTIAL) me = SYN_ACK_SENT;
      // The handshake's second step: both ends now count as established (Zeek moves the SYN sender
      // to ESTABLISHED when it sees the SYN-ACK it expected).
      if (peer === SYN_SENT) {
        peer = ESTABLISHED;
        me = ESTABLISHED;
      }
    } else if (me === INACTIVE) me = PARTIAL;
    else if ((me === SYN_SENT || me === SYN_ACK_SENT) && peer !== INACTIVE) me = ESTABLISHED;
    if (fin && me !== RESET) me = CLOSED;
    if (fromOrig) {
      c.origState = me;
      c.respState = peer;
    } else {
      c.respState = me;
      c.origState = peer;
    }
    if (
      c.origState === RESET ||
      c.respState === RESET ||
      (c.origState === CLOSED && c.respState === CLOSED)
    ) {
      if (!c.closing) {
        c.closing = true;
        c.closeAt = t + this.closeDelay;
      }
    } else if (c.origState === SYN_SENT && c.respState === INACTIVE) {
      // An attempt nobody answers is final after the attempt delay; a retransmitted SYN extends it.
      c.closeAt = t + this.attempt;
    } else c.closeAt = 0;
  }

  private letter(c: Connection, i: number, fromOrig: boolean): void {
    const bit = 1 << i;
    if (fromOrig) {
      if (c.origLetters & bit) return;
      c.origLetters |= bit;
      c.history += LETTERS[i];
    } else {
      if (c.respLetters & bit) return;
      c.respLetters |= bit;
      c.history += LETTERS[i].toLowerCase();
    }
  }

  private finish(c: Connection): void {
    // unlink from its hash chain
    const head = this.table.get(c.hash);
    if (head === c) {
      if (c.next) this.table.set(c.hash, c.next);
      else this.table.delete(c.hash);
    } else {
      for (let x = head; x; x = x.next) {
        if (x.next === c) {
          x.next = c.next;
          break;
        }
      }
    }
    c.next = undefined;
    this.active--;
    const single = c.origPkts + c.respPkts <= 1;
    const proto =
      c.protocol === 6
        ? 'tcp'
        : c.protocol === 17
          ? 'udp'
          : c.protocol === 1 || c.protocol === 58
            ? 'icmp'
            : 'unknown_transport';
    this.serial++;
    this.onFlow({
      uid: `${this.uidPrefix}${this.serial.toString(36).padStart(8, '0')}`,
      ts: c.start,
      origHost: c.origIp,
      origPort: c.origPort,
      respHost: c.respIp,
      respPort: c.respPort,
      proto,
      service: c.modbus ? 'modbus' : null,
      // Zeek leaves duration and sizes unset for a one-packet connection.
      duration: single ? null : round6(c.last - c.start),
      origBytes: single ? null : c.origBytes,
      respBytes: single ? null : c.respBytes,
      connState: connState(c.protocol, c.origState, c.respState, c.origBytes, c.respBytes, c.history),
      localOrig: null,
      localResp: null,
      missedBytes: 0,
      history: c.history === '' ? null : c.history,
      origPkts: c.origPkts,
      origIpBytes: c.origIpBytes,
      respPkts: c.respPkts,
      respIpBytes: c.respIpBytes,
    });
  }
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Assembles a whole packet sequence (a file) and returns the flows in emission order. */
export function assembleFlows(packets: Iterable<PacketRecord>, opts?: FlowAssemblerOptions): FlowRecord[] {
  const out: FlowRecord[] = [];
  const a = new FlowAssembler((f) => out.push(f), opts);
  for (const p of packets) a.push(p);
  a.flush();
  return out;
}
