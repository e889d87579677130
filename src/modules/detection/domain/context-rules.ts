/**
 * Context rules: facts about the network that the autoencoders cannot see, because a packet of a new
 * conversation or a single forged write looks statistically like the polling around it. Learned during
 * training, frozen afterwards (an allowlist an analyst would approve, as ICS monitoring products keep one).
 *
 * A rule whose baseline kept growing late in training (e.g. an IoT network talking to ever new internet
 * hosts) is disabled: "new" means nothing there. Conversation rules cover local addresses only (RFC 1918,
 * link-local, IPv6 ULA); unusual external destinations are the flow detector's job.
 */
import type { PacketRecord } from '../../telemetry/domain/records';
import type { ByteReader, ByteWriter } from './snapshot';

export const CONTEXT = {
  /** A source MAC (or local source IP) never seen in training. */
  newTalker: 1,
  /** A local conversation (unordered IP pair, broadcasts left out) never seen in training. */
  newPair: 2,
  /** An industrial function code (Modbus) never seen on this pair. */
  newFunction: 4,
  /** An ARP packet binding an IP to a different MAC than before. */
  arpRebind: 8,
  /** A TCP connection attempt to a port never opened on this known local pair. */
  newService: 16,
} as const;

/** Weight of each rule in the combined score (packet-detector.ts): any hit ranks above every model score. */
export const CONTEXT_WEIGHT: Record<number, number> = { 1: 2, 2: 1, 4: 1, 8: 3, 16: 1 };

/** Modbus function codes that change state (Modbus Application Protocol v1.1b3 §6: 5, 6, 15, 16, 22, 23). */
export const MODBUS_WRITE_FUNCTIONS = new Set([5, 6, 15, 16, 22, 23]);

export function isLocalAddress(ip: string): boolean {
  if (ip.startsWith('10.') || ip.startsWith('192.168.') || ip.startsWith('169.254.')) return true;
  if (ip.startsWith('172.')) {
    const second = Number.parseInt(ip.slice(4, 7), 10);
    return second >= 16 && second <= 31;
  }
  const lower = ip.charCodeAt(0) === 0x66 ? ip.slice(0, 4) : '';
  // IPv6 ULA fc00::/7 and link-local fe80::/10.
  return lower.startsWith('fc') || lower.startsWith('fd') || /^fe[89ab]/.test(lower);
}

/**
 * A subnet broadcast, guessed without the netmask: the all-ones host part of any /8../24 network ends in
 * .255. Broadcasts (NetBIOS, DHCP, discovery) are announcements to everyone, not conversations.
 */
export function isBroadcast(ip: string): boolean {
  return ip.endsWith('.255');
}

interface Baseline {
  /** Key → ordinal of the training packet that first showed it. */
  seen: Map<string, number>;
  enabled: boolean;
}

const RULES = ['talker', 'pair', 'function', 'service'] as const;
type RuleName = (typeof RULES)[number];

export interface ContextOptions {
  /** Most keys kept per baseline; past it the rule is disabled (bounded memory). */
  maxKeys?: number;
  /** A baseline is stable when at most this share of its keys (at least 1) first appeared in the second half of training. */
  lateShare?: number;
}

export interface ContextSummary {
  enabled: Record<RuleName, boolean>;
  keys: Record<RuleName, number>;
  lateKeys: Record<RuleName, number>;
}

export class ContextModel {
  private readonly base: Record<RuleName, Baseline> = {
    talker: { seen: new Map(), enabled: false },
    pair: { seen: new Map(), enabled: false },
    function: { seen: new Map(), enabled: false },
    service: { seen: new Map(), enabled: false },
  };
  /** IP → MACs it was bound to ("a,b"), from ARP; first binding seen wins, also after training. */
  private readonly arp = new Map<string, string>();
  private trainCount = 0;
  private frozen = false;
  private readonly maxKeys: number;
  private readonly lateShare: number;

  constructor(options: ContextOptions = {}) {
    this.maxKeys = options.maxKeys ?? 100_000;
    this.lateShare = options.lateShare ?? 0.02;
  }

  private talkerKey(p: PacketRecord): string {
    return p.srcMac !== '' ? p.srcMac : p.srcIp;
  }

  /** Unordered local pair, or '' when the rule does not apply. */
  private pairKey(p: PacketRecord): string {
    // ARP is left out: hosts ARP for absent gateways and peers all the time; an ARP sweep is a rate
    // anomaly, which the model sees.
    if (p.ipVersion === 0) return '';
    const a = p.srcIp;
    const b = p.dstIp;
    if (!isLocalAddress(a) || !isLocalAddress(b) || isBroadcast(a) || isBroadcast(b)) return '';
    return a < b ? `${a}|${b}` : `${b}|${a}`;
  }

  /** Function code on the unordered pair: a request and its response are one fact. */
  private functionKey(p: PacketRecord): string {
    if (p.appFunction < 0) return '';
    return p.srcIp < p.dstIp
      ? `${p.srcIp}|${p.dstIp}#${p.appFunction}`
      : `${p.dstIp}|${p.srcIp}#${p.appFunction}`;
  }

  /** TCP SYN without ACK between local hosts: the destination port is a service being opened. */
  private serviceKey(p: PacketRecord): string {
    if (p.protocol !== 6 || (p.tcpFlags & 0x12) !== 0x02) return '';
    if (!isLocalAddress(p.srcIp) || !isLocalAddress(p.dstIp)) return '';
    return `${p.srcIp}>${p.dstIp}:${p.dstPort}`;
  }

  private note(rule: RuleName, key: string): void {
    if (key === '') return;
    const seen = this.base[rule].seen;
    if (!seen.has(key) && seen.size < this.maxKeys) seen.set(key, this.trainCount);
  }

  /** Training: adds the packet's facts to the baselines. */
  learn(p: PacketRecord): void {
    this.trainCount++;
    this.note('talker', this.talkerKey(p));
    if (p.ipVersion !== 0 && p.srcMac !== '' && isLocalAddress(p.srcIp)) this.note('talker', `ip:${p.srcIp}`);
    this.note('pair', this.pairKey(p));
    this.note('function', this.functionKey(p));
    this.note('service', this.serviceKey(p));
    if (p.arpOp !== 0) this.bindArp(p);
  }

  /** Ends training: decides which baselines are stable enough to alert on. */
  freeze(): ContextSummary {
    this.frozen = true;
    const half = this.trainCount / 2;
    const summary: ContextSummary = {
      enabled: { talker: false, pair: false, function: false, service: false },
      keys: { talker: 0, pair: 0, function: 0, service: 0 },
      lateKeys: { talker: 0, pair: 0, function: 0, service: 0 },
    };
    for (const rule of RULES) {
      const b = this.base[rule];
      let late = 0;
      for (const first of b.seen.values()) if (first > half) late++;
      b.enabled =
        b.seen.size > 0 && b.seen.size < this.maxKeys && late <= Math.max(1, this.lateShare * b.seen.size);
      summary.enabled[rule] = b.enabled;
      summary.keys[rule] = b.seen.size;
      summary.lateKeys[rule] = late;
    }
    return summary;
  }

  private bindArp(p: PacketRecord): boolean {
    const ip = p.arpSenderIp;
    if (ip === '' || ip === '0.0.0.0' || p.arpSenderMac === '') return false;
    const macs = this.arp.get(ip);
    if (macs === undefined) {
      if (this.arp.size < this.maxKeys) this.arp.set(ip, p.arpSenderMac);
      return false;
    }
    if (macs.includes(p.arpSenderMac)) return false;
    // A second MAC during training is legitimate (failover, DHCP reuse); after it, it is a rebinding.
    if (!this.frozen) this.arp.set(ip, `${macs},${p.arpSenderMac}`);
    return this.frozen;
  }

  /** Execution: the rules this packet breaks, as a CONTEXT bit mask. */
  check(p: PacketRecord): number {
    let hits = 0;
    const { talker, pair, function: fn, service } = this.base;
    if (talker.enabled) {
      if (!talker.seen.has(this.talkerKey(p))) hits |= CONTEXT.newTalker;
      else if (
        p.ipVersion !== 0 &&
        p.srcMac !== '' &&
        isLocalAddress(p.srcIp) &&
        !talker.seen.has(`ip:${p.srcIp}`)
      )
        hits |= CONTEXT.newTalker;
    }
    if (pair.enabled) {
      const k = this.pairKey(p);
      if (k !== '' && !pair.seen.has(k)) hits |= CONTEXT.newPair;
    }
    if (fn.enabled) {
      const k = this.functionKey(p);
      if (k !== '' && !fn.seen.has(k)) hits |= CONTEXT.newFunction;
    }
    if (service.enabled && (hits & CONTEXT.newPair) === 0) {
      const k = this.serviceKey(p);
      if (k !== '' && !service.seen.has(k)) hits |= CONTEXT.newService;
    }
    if (p.arpOp !== 0 && this.bindArp(p)) hits |= CONTEXT.arpRebind;
    return hits;
  }

  write(w: ByteWriter): void {
    w.u32(this.trainCount);
    w.u32(this.frozen ? 1 : 0);
    for (const rule of RULES) {
      const b = this.base[rule];
      w.u32(b.enabled ? 1 : 0);
      w.strings([...b.seen.keys()]);
      w.f64s(Float64Array.from(b.seen.values()));
    }
    w.strings([...this.arp.keys()]);
    w.strings([...this.arp.values()]);
  }

  read(r: ByteReader): void {
    this.trainCount = r.u32();
    this.frozen = r.u32() === 1;
    for (const rule of RULES) {
      const b = this.base[rule];
      b.enabled = r.u32() === 1;
      const keys = r.strings();
      const firsts = r.f64s();
      b.seen.clear();
      for (let i = 0; i < keys.length; i++) b.seen.set(keys[i], firsts[i]);
    }
    const ips = r.strings();
    const macs = r.strings();
    this.arp.clear();
    for (let i = 0; i < ips.length; i++) this.arp.set(ips[i], macs[i]);
  }
}
