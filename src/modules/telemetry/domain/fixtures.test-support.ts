// Test support shared by the reader tests (not a test file itself): varied frames, feeding helpers and
// writers for the text formats, so every reader is checked against bytes built independently of it.
import { AppError } from '../../../core/errors';
import { LinkType } from './decode';
import { buildFrame, modbusAdu } from './frames';
import type { StreamReader } from './framing';
import type { PcapPacket } from './pcap';
import { copyPacket, type FlowRecord, type PacketRecord } from './records';

const BASE_TIME = 1_424_799_320;

/** A mix of link, network and transport layers, with times that need sub-microsecond digits. */
export function samplePackets(count = 24): PcapPacket[] {
  const out: PcapPacket[] = [];
  for (let i = 0; i < count; i++) {
    const time = BASE_TIME + i * 0.125 + (i % 3) * 0.000001;
    const kind = i % 8;
    let data: Uint8Array;
    if (kind === 0) {
      data = buildFrame({
        srcMac: '00:0c:29:ee:b7:84',
        dstMac: '00:0c:29:3c:11:3f',
        ip: { src: '192.168.1.100', dst: '192.168.1.104' },
        tcp: {
          srcPort: 3206,
          dstPort: 502,
          flags: 0x18,
          payload: modbusAdu(i, 1, 1 + (i % 6), new Uint8Array(4)),
        },
      });
    } else if (kind === 1) {
      data = buildFrame({
        ip: { src: '10.0.0.1', dst: '8.8.8.8' },
        udp: { srcPort: 5353, dstPort: 53, payload: new Uint8Array(i) },
      });
    } else if (kind === 2) {
      data = buildFrame({ ip: { src: '10.0.0.1', dst: '10.0.0.9' }, icmp: { type: 8, code: 0 } });
    } else if (kind === 3) {
      data = buildFrame({
        arp: { op: 1, senderMac: '48:02:2e:01:83:15', senderIp: '192.168.2.109', targetIp: '192.168.2.1' },
      });
    } else if (kind === 4) {
      data = buildFrame({
        ip: { version: 6, src: '2001:db8::1', dst: 'fe80::abcd:0:0:1', extensionHeaders: [0] },
        tcp: { srcPort: 443, dstPort: 40000 + i, flags: 0x10, payload: new Uint8Array(3) },
      });
    } else if (kind === 5) {
      data = buildFrame({
        vlanIds: [7],
        ip: { src: '172.16.0.5', dst: '172.16.0.6' },
        udp: { srcPort: 161, dstPort: 1161 },
      });
    } else if (kind === 6) {
      data = buildFrame({ ip: { version: 6, src: 'fe80::1', dst: 'ff02::1' }, icmp: { type: 134, code: 0 } });
    } else {
      data = buildFrame({
        ip: { src: '192.168.1.104', dst: '192.168.1.100' },
        tcp: { srcPort: 502, dstPort: 3206, flags: 0x02 },
      });
    }
    out.push({ time, data });
  }
  return out;
}

export interface Collected<T> {
  records: T[];
  error: unknown;
}

/** Feeds `bytes` in chunks of the given sizes (cycled), collecting copies of the records and any error. */
export function feed<T>(
  make: (on: (r: T) => void) => StreamReader,
  bytes: Uint8Array,
  chunkSizes: readonly number[] = [bytes.length || 1],
  copy: (r: T) => T = (r) => ({ ...r }),
): Collected<T> {
  const records: T[] = [];
  const reader = make((r) => records.push(copy(r)));
  try {
    let at = 0;
    let k = 0;
    while (at < bytes.length) {
      const size = Math.max(1, chunkSizes[k++ % chunkSizes.length]);
      reader.push(bytes.subarray(at, at + size));
      at += size;
    }
    reader.end();
    return { records, error: null };
  } catch (error) {
    return { records, error };
  }
}

export const copyRecord = (p: PacketRecord): PacketRecord => copyPacket(p);

/** The AppError of a failed read, failing the test when the read did not fail that way. */
export function invalidError(error: unknown): AppError {
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  if (error.kind !== 'invalid') throw new Error(`expected kind invalid, got ${error.kind}`);
  return error;
}

const KITSUNE_COLUMNS = [
  'frame.time_epoch',
  'frame.len',
  'eth.src',
  'eth.dst',
  'ip.src',
  'ip.dst',
  'tcp.srcport',
  'tcp.dstport',
  'udp.srcport',
  'udp.dstport',
  'icmp.type',
  'icmp.code',
  'arp.opcode',
  'arp.src.hw_mac',
  'arp.src.proto_ipv4',
  'arp.dst.hw_mac',
  'arp.dst.proto_ipv4',
  'ipv6.src',
  'ipv6.dst',
] as const;

/** Writes records as tshark would in Kitsune's layout (optionally with the columns reordered). */
export function tsvFromRecords(
  records: readonly PacketRecord[],
  columns: readonly string[] = KITSUNE_COLUMNS,
): string {
  const cell = (p: PacketRecord, c: string): string => {
    const v4 = p.ipVersion === 4;
    const v6 = p.ipVersion === 6;
    const port = (proto: number, v: number) => (p.protocol === proto && v >= 0 ? String(v) : '');
    switch (c) {
      case 'frame.time_epoch':
        return p.time.toFixed(9);
      case 'frame.len':
        return String(p.length);
      case 'eth.src':
        return p.srcMac;
      case 'eth.dst':
        return p.dstMac;
      case 'ip.src':
        return v4 ? p.srcIp : '';
      case 'ip.dst':
        return v4 ? p.dstIp : '';
      case 'ipv6.src':
        return v6 ? p.srcIp : '';
      case 'ipv6.dst':
        return v6 ? p.dstIp : '';
      case 'tcp.srcport':
        return port(6, p.srcPort);
      case 'tcp.dstport':
        return port(6, p.dstPort);
      case 'udp.srcport':
        return port(17, p.srcPort);
      case 'udp.dstport':
        return port(17, p.dstPort);
      case 'icmp.type':
        return p.protocol === 1 ? String(p.icmpType) : '';
      case 'icmp.code':
        return p.protocol === 1 ? String(p.icmpCode) : '';
      case 'arp.opcode':
        return p.arpOp ? String(p.arpOp) : '';
      case 'arp.src.hw_mac':
        return p.arpSenderMac;
      case 'arp.src.proto_ipv4':
        return p.arpSenderIp;
      case 'arp.dst.hw_mac':
        return p.arpOp ? '00:00:00:00:00:00' : '';
      case 'arp.dst.proto_ipv4':
        return p.arpTargetIp;
      default:
        return '';
    }
  };
  const lines = [columns.join('\t')];
  for (const p of records) lines.push(columns.map((c) => cell(p, c)).join('\t'));
  return `${lines.join('\n')}\n`;
}

export const CONN_LOG_FIELDS = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'proto',
  'service',
  'duration',
  'orig_bytes',
  'resp_bytes',
  'conn_state',
  'local_orig',
  'local_resp',
  'missed_bytes',
  'history',
  'orig_pkts',
  'orig_ip_bytes',
  'resp_pkts',
  'resp_ip_bytes',
  'tunnel_parents',
];

const FLOW_KEY: Record<string, keyof FlowRecord> = {
  ts: 'ts',
  uid: 'uid',
  'id.orig_h': 'origHost',
  'id.orig_p': 'origPort',
  'id.resp_h': 'respHost',
  'id.resp_p': 'respPort',
  proto: 'proto',
  service: 'service',
  duration: 'duration',
  orig_bytes: 'origBytes',
  resp_bytes: 'respBytes',
  conn_state: 'connState',
  local_orig: 'localOrig',
  local_resp: 'localResp',
  missed_bytes: 'missedBytes',
  history: 'history',
  orig_pkts: 'origPkts',
  orig_ip_bytes: 'origIpBytes',
  resp_pkts: 'respPkts',
  resp_ip_bytes: 'respIpBytes',
};

/** Zeek's ASCII writer output for `flows`, with its header block. */
export function connLogFromFlows(
  flows: readonly FlowRecord[],
  fields: readonly string[] = CONN_LOG_FIELDS,
): string {
  const value = (f: FlowRecord, name: string): string => {
    const key = FLOW_KEY[name];
    if (!key) return '(empty)';
    const v = f[key];
    if (v === null) return '-';
    if (typeof v === 'boolean') return v ? 'T' : 'F';
    if (v === '') return '(empty)';
    return String(v);
  };
  const head = [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    '#path\tconn',
    '#open\t2018-12-21-15-50-14',
    `#fields\t${fields.join('\t')}`,
    `#types\t${fields.map(() => 'string').join('\t')}`,
  ];
  const rows = flows.map((f) => fields.map((n) => value(f, n)).join('\t'));
  return `${[...head, ...rows, '#close\t2018-12-22-15-50-14'].join('\n')}\n`;
}

export function sampleFlows(count = 30): FlowRecord[] {
  const states = ['S0', 'SF', 'REJ', 'OTH', 'RSTO'];
  return Array.from({ length: count }, (_, i) => ({
    uid: `C${i.toString(36).padStart(5, 'x')}Zq`,
    ts: 1_545_403_816 + i * 1.5 + 0.8709,
    origHost: i % 4 === 0 ? `fe80::${(i + 1).toString(16)}` : `192.168.1.${(i % 250) + 1}`,
    origPort: (40000 + i * 7) % 65536,
    respHost: `185.244.25.${(i * 13) % 256}`,
    respPort: [22, 23, 80, 6667, 502][i % 5],
    proto: ['tcp', 'udp', 'icmp'][i % 3],
    service: i % 4 === 1 ? 'dns' : null,
    duration: i % 3 === 0 ? null : i * 0.25,
    origBytes: i % 3 === 0 ? null : i * 10,
    respBytes: i % 3 === 0 ? null : i * 3,
    connState: states[i % states.length],
    localOrig: i % 5 === 0 ? null : i % 2 === 0,
    localResp: i % 7 === 0 ? null : i % 2 === 1,
    missedBytes: 0,
    history: i % 6 === 0 ? null : 'ShADadFf'.slice(0, 1 + (i % 8)),
    origPkts: i + 1,
    origIpBytes: 60 * (i + 1),
    respPkts: i,
    respIpBytes: 40 * i,
  }));
}

export const ETHERNET = LinkType.ETHERNET;
