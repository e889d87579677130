// Seeded fuzzing of every reader: mutated valid inputs (bit flips, truncation, inserted junk, 32-bit
// fields forced huge, random bytes) fed in random chunks. Properties checked on every case:
//  - the read ends (a hang fails the test by timeout) and throws nothing but AppError 'invalid' whose
//    details name a byte offset inside the input (binary) or a line number inside it (text);
//  - records before the first mutated byte are exactly the ones the original gives (nothing lost,
//    nothing invented), frame numbers run 1, 2, 3, ... and every field is in its domain;
//  - the reader never holds more than twice the bytes it was given: no buffer sized by a claimed length.
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../core/errors';
import { decodeFrame, LinkType } from './decode';
import { connLogFromFlows, sampleFlows, samplePackets, tsvFromRecords } from './fixtures.test-support';
import { buildFrame } from './frames';
import { PcapReader, writePcap } from './pcap';
import { PcapngReader, writePcapng } from './pcapng';
import { copyPacket, emptyPacket, type FlowRecord, type PacketRecord } from './records';
import { TsharkTsvReader } from './tshark-tsv';
import { ZeekJsonReader } from './zeek-json';
import { ZeekTsvReader } from './zeek-tsv';

const CASES = 2500;
const enc = new TextEncoder();

interface Reader {
  push(chunk: Uint8Array): void;
  end(): void;
  readonly bufferedCapacity: number;
}

interface Target<T> {
  name: string;
  where: 'offset' | 'line';
  make: (on: (r: T) => void) => Reader;
  copy: (r: T) => T;
  frameOf: (r: T) => number | null;
  problem: (r: T) => string | null;
  bases: Uint8Array[];
}

const int = (rng: RandomGenerator, lo: number, hi: number) => uniformInt(rng, lo, hi);

/** Returns the mutated bytes and the offset of the first byte that differs from `base`. */
function mutate(rng: RandomGenerator, base: Uint8Array): { bytes: Uint8Array; from: number } {
  const op = int(rng, 0, 5);
  const n = base.length;
  if (op === 0) {
    const bytes = base.slice();
    const flips = int(rng, 1, 8);
    let from = n;
    for (let i = 0; i < flips; i++) {
      const at = int(rng, 0, n - 1);
      bytes[at] ^= 1 << int(rng, 0, 7);
      from = Math.min(from, at);
    }
    return { bytes, from };
  }
  if (op === 1) {
    const cut = int(rng, 0, n);
    return { bytes: base.slice(0, cut), from: cut };
  }
  if (op === 2) {
    const at = int(rng, 0, n);
    const junk = new Uint8Array(int(rng, 1, 64)).map(() => int(rng, 0, 255));
    const bytes = new Uint8Array(n + junk.length);
    bytes.set(base.subarray(0, at));
    bytes.set(junk, at);
    bytes.set(base.subarray(at), at + junk.length);
    return { bytes, from: at };
  }
  if (op === 3 && n >= 4) {
    const bytes = base.slice();
    const at = int(rng, 0, n - 4) & ~3;
    const huge = [0xffffffff, 0x7fffffff, 0x80000000, 0xfffffffc, 0x00010000][int(rng, 0, 4)];
    new DataView(bytes.buffer).setUint32(at, huge, int(rng, 0, 1) === 0);
    return { bytes, from: at };
  }
  if (op === 4) {
    const bytes = base.slice();
    const at = int(rng, 0, n - 1);
    const len = int(rng, 1, Math.min(32, n - at));
    for (let i = 0; i < len; i++) bytes[at + i] = int(rng, 0, 255);
    return { bytes, from: at };
  }
  const bytes = new Uint8Array(int(rng, 0, 256)).map(() => int(rng, 0, 255));
  return { bytes, from: 0 };
}

function run<T>(t: Target<T>, bytes: Uint8Array, chunks: (() => number) | null, doEnd: boolean) {
  const records: T[] = [];
  const reader = t.make((r) => records.push(t.copy(r)));
  let error: unknown = null;
  let maxCapacity = 0;
  try {
    let at = 0;
    while (at < bytes.length) {
      const size = chunks ? chunks() : bytes.length;
      reader.push(bytes.subarray(at, at + size));
      maxCapacity = Math.max(maxCapacity, reader.bufferedCapacity);
      at += size;
    }
    if (doEnd) reader.end();
  } catch (e) {
    error = e;
  }
  return { records, error, maxCapacity };
}

function fuzz<T>(t: Target<T>, seed: number): void {
  it(`${t.name}: ${CASES} mutated inputs`, () => {
    const rng = xoroshiro128plus(seed);
    const originals = t.bases.map((b) => run(t, b, null, true));
    for (const o of originals) expect(o.error).toBeNull();
    let errors = 0;
    for (let c = 0; c < CASES; c++) {
      const which = int(rng, 0, t.bases.length - 1);
      const { bytes, from } = mutate(rng, t.bases[which]);
      const oneByte = c % 50 === 0;
      const result = run(t, bytes, oneByte ? () => 1 : () => int(rng, 1, 300), true);
      const label = `${t.name} case ${c} (mutation from byte ${from})`;

      if (result.error !== null) {
        errors++;
        const e = result.error;
        if (!(e instanceof AppError) || e.kind !== 'invalid') throw new Error(`${label}: threw ${String(e)}`);
        const d = e.details[0];
        if (t.where === 'offset') {
          expect(d?.offset, label).toBeGreaterThanOrEqual(0);
          expect(d.offset, label).toBeLessThanOrEqual(bytes.length);
          expect(e.message, label).toContain(`offset ${d.offset}`);
        } else {
          expect(d?.line, label).toBeGreaterThanOrEqual(1);
          expect(d.line, label).toBeLessThanOrEqual(countLines(bytes) + 1);
          expect(e.message, label).toContain(`line ${d.line}`);
        }
        expect(d.field, label).toBeTruthy();
      }

      // Whatever the prefix before the mutation yields on its own must come out unchanged.
      const before = run(t, bytes.subarray(0, from), null, false).records;
      const reference = originals[which].records;
      if (
        !sameJson(result.records.slice(0, before.length), before) ||
        !sameJson(before, reference.slice(0, before.length))
      ) {
        expect(result.records.slice(0, before.length), label).toEqual(before);
        expect(before, label).toEqual(reference.slice(0, before.length));
      }

      result.records.forEach((r, i) => {
        const frame = t.frameOf(r);
        if (frame !== null && frame !== i + 1) expect(frame, label).toBe(i + 1);
        const problem = t.problem(r);
        if (problem !== null) expect({ problem, record: r }, label).toBeNull();
      });
      expect(result.maxCapacity, label).toBeLessThanOrEqual(Math.max(256, 2 * bytes.length));
    }
    expect(errors).toBeGreaterThan(CASES / 10); // the mutations do reach the error paths
  });
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function countLines(b: Uint8Array): number {
  let n = 1;
  for (const x of b) if (x === 10) n++;
  return n;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const IPV6 = /^[0-9a-f:.]+$/i;

/** The first field out of its domain, or null; plain checks because they run on every record. */
function packetProblem(p: PacketRecord): string | null {
  if (!(Number.isFinite(p.time) && p.time >= 0)) return 'time';
  if (!(Number.isInteger(p.length) && p.length >= 0)) return 'length';
  if (p.ipVersion !== 0 && p.ipVersion !== 4 && p.ipVersion !== 6) return 'ipVersion';
  for (const mac of [p.srcMac, p.dstMac, p.arpSenderMac]) if (mac && !MAC.test(mac)) return 'mac';
  for (const ip of [p.srcIp, p.dstIp]) {
    if (p.ipVersion === 0 ? ip !== '' : !(p.ipVersion === 4 ? IPV4 : IPV6).test(ip)) return 'ip';
  }
  for (const ip of [p.arpSenderIp, p.arpTargetIp]) if (ip && !IPV4.test(ip)) return 'arp ip';
  if (!(p.protocol >= 0 && p.protocol <= 255)) return 'protocol';
  for (const port of [p.srcPort, p.dstPort])
    if (!(Number.isInteger(port) && port >= -1 && port <= 65535)) return 'port';
  if (p.srcPort >= 0 && p.protocol !== 6 && p.protocol !== 17) return 'port without TCP/UDP';
  if (!(p.tcpFlags >= 0 && p.tcpFlags <= 255)) return 'tcpFlags';
  if (!(p.icmpType >= -1 && p.icmpType <= 255 && p.icmpCode >= -1 && p.icmpCode <= 255)) return 'icmp';
  if (!(p.arpOp >= 0 && p.arpOp <= 65535)) return 'arpOp';
  if (!(p.payloadLength >= 0 && p.payloadLength <= 65535)) return 'payloadLength';
  if (!(p.appFunction >= -1 && p.appFunction <= 255) || (p.appFunction >= 0 && p.protocol !== 6))
    return 'appFunction';
  return null;
}

function flowProblem(f: FlowRecord): string | null {
  if (!(Number.isFinite(f.ts) && f.ts >= 0)) return 'ts';
  for (const port of [f.origPort, f.respPort])
    if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) return 'port';
  if (!f.origHost || !f.respHost) return 'host';
  for (const v of [
    f.origBytes,
    f.respBytes,
    f.missedBytes,
    f.origPkts,
    f.origIpBytes,
    f.respPkts,
    f.respIpBytes,
  ]) {
    if (v !== null && !(Number.isInteger(v) && v >= 0)) return 'count';
  }
  if (f.duration !== null && !Number.isFinite(f.duration)) return 'duration';
  for (const b of [f.localOrig, f.localResp]) if (b !== true && b !== false && b !== null) return 'bool';
  return null;
}

const packets = samplePackets(10);
const packetTarget = (
  name: string,
  make: (on: (p: PacketRecord) => void) => Reader,
  bases: Uint8Array[],
  where: 'offset' | 'line',
): Target<PacketRecord> => ({
  name,
  where,
  make,
  copy: copyPacket,
  frameOf: (p) => p.frame,
  problem: packetProblem,
  bases,
});
const flowTarget = (
  name: string,
  make: (on: (f: FlowRecord) => void) => Reader,
  bases: Uint8Array[],
): Target<FlowRecord> => ({
  name,
  where: 'line',
  make,
  copy: (f) => ({ ...f }),
  frameOf: () => null,
  problem: flowProblem,
  bases,
});

const decoded: PacketRecord[] = [];
{
  const r = new PcapReader((p) => decoded.push(copyPacket(p)));
  r.push(writePcap(packets));
  r.end();
}
const flows = sampleFlows(12);

describe('reader fuzzing', () => {
  fuzz(
    packetTarget(
      'pcap',
      (on) => new PcapReader(on),
      [
        writePcap(packets),
        writePcap(packets, { bigEndian: true, nanosecond: true }),
        writePcap(packets, { snaplen: 40 }),
      ],
      'offset',
    ),
    1,
  );
  fuzz(
    packetTarget(
      'pcapng',
      (on) => new PcapngReader(on),
      [
        writePcapng([
          { type: 'shb' },
          { type: 'idb', linkType: LinkType.ETHERNET, tsresol: 9 },
          ...packets.map((p) => ({ type: 'epb' as const, time: p.time, data: p.data })),
        ]),
        writePcapng([
          { type: 'shb', bigEndian: true },
          { type: 'idb', linkType: LinkType.ETHERNET, snaplen: 64 },
          { type: 'idb', linkType: LinkType.RAW, tsresol: 0x8a },
          { type: 'spb', data: packets[0].data },
          { type: 'other', blockType: 4, body: new Uint8Array(20) },
          {
            type: 'epb',
            interfaceId: 1,
            time: 7.5,
            data: buildFrame(
              { ip: { src: '1.1.1.1', dst: '2.2.2.2' }, udp: { srcPort: 1, dstPort: 2 } },
              LinkType.RAW,
            ),
          },
          { type: 'shb' },
          { type: 'idb', linkType: LinkType.LINUX_SLL },
          {
            type: 'epb',
            time: 9,
            data: buildFrame(
              { ip: { src: '1.1.1.1', dst: '2.2.2.2' }, tcp: { srcPort: 1, dstPort: 502 } },
              LinkType.LINUX_SLL,
            ),
          },
        ]),
      ],
      'offset',
    ),
    2,
  );
  fuzz(
    packetTarget(
      'tshark TSV',
      (on) => new TsharkTsvReader(on),
      [enc.encode(tsvFromRecords(decoded))],
      'line',
    ),
    3,
  );
  fuzz(
    flowTarget('Zeek TSV', (on) => new ZeekTsvReader(on), [enc.encode(connLogFromFlows(flows))]),
    4,
  );
  fuzz(
    flowTarget('Zeek JSON', (on) => new ZeekJsonReader(on), [
      enc.encode(
        flows
          .map((f) =>
            JSON.stringify({
              ts: f.ts,
              uid: f.uid,
              'id.orig_h': f.origHost,
              'id.orig_p': f.origPort,
              'id.resp_h': f.respHost,
              'id.resp_p': f.respPort,
              proto: f.proto,
              duration: f.duration ?? undefined,
              orig_pkts: f.origPkts,
              local_orig: f.localOrig ?? undefined,
            }),
          )
          .join('\n'),
      ),
    ]),
    5,
  );
});

describe('frame decoder fuzzing', () => {
  it(`decodes ${CASES * 4} random and mutated frames of every link type without throwing or leaving its domain`, () => {
    const rng = xoroshiro128plus(6);
    const linkTypes = Object.values(LinkType);
    const p = emptyPacket();
    const frames = packets.map((x) => x.data);
    for (let c = 0; c < CASES * 4; c++) {
      const linkType = linkTypes[int(rng, 0, linkTypes.length - 1)];
      const bytes =
        c % 2 === 0
          ? new Uint8Array(int(rng, 0, 120)).map(() => int(rng, 0, 255))
          : mutate(rng, frames[int(rng, 0, frames.length - 1)]).bytes;
      // Decode a window inside a larger buffer: the decoder must not read outside [start, start + capLen).
      const padded = new Uint8Array(bytes.length + 16).fill(0x45);
      padded.set(bytes, 8);
      decodeFrame(linkType, padded, 8, bytes.length, p);
      const alone = emptyPacket();
      decodeFrame(linkType, bytes, 0, bytes.length, alone);
      p.time = alone.time;
      if (!sameJson(p, alone))
        expect(p, `case ${c}: bytes outside the window changed the result`).toEqual(alone);
      const problem = packetProblem(p);
      if (problem !== null) expect({ problem, linkType, bytes: Array.from(bytes) }, `case ${c}`).toBeNull();
    }
  });
});
