import type { AppError } from '../../../core/errors';
import { decodeFrame } from './decode';
import { FramedReader, invalidAt } from './framing';
import type { OnPacket } from './pcap';
import { emptyPacket } from './records';

// pcapng, per draft-ietf-opsawg-pcapng (section numbers below refer to it).
const SHB = 0x0a0d0d0a; // §4.1, a palindrome so it reads the same in both byte orders
const IDB = 0x00000001; // §4.2
const OPB = 0x00000002; // Appendix A (obsolete Packet Block), still written by old tools
const SPB = 0x00000003; // §4.4
const EPB = 0x00000006; // §4.3
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9; // §4.2: if_tsresol
const OPT_IF_TSOFFSET = 14; // §4.2: if_tsoffset
/** Wireshark's reader refuses blocks above 16 MiB; doing the same bounds memory for a corrupt length. */
export const MAX_PCAPNG_BLOCK = 16 * 1024 * 1024;
/** More interfaces than this in one section means a corrupt file, not a capture host. */
const MAX_INTERFACES = 65_536;
const TWO_32 = 4294967296;

/**
 * Push parser for pcapng: sections in either byte order (a new SHB may switch it), several interfaces
 * with their link types and timestamp resolutions, Enhanced, Simple and obsolete Packet Blocks; all
 * other blocks are skipped by their length after the trailing length is checked.
 */
export class PcapngReader extends FramedReader {
  private readonly packet = emptyPacket();
  private inSection = false;
  private little = true;
  private linkTypes: number[] = [];
  private snaplens: number[] = [];
  private unitsPerSecond: number[] = [];
  private offsetSeconds: number[] = [];
  private lastTime = 0;
  private count = 0;
  private sectionCount = 0;

  constructor(private readonly onPacket: OnPacket) {
    super();
  }

  get packets(): number {
    return this.count;
  }

  get sections(): number {
    return this.sectionCount;
  }

  /** Link types of the current section's interfaces, by interface id. */
  get interfaceLinkTypes(): readonly number[] {
    return this.linkTypes;
  }

  protected need(b: Uint8Array, v: DataView, at: number, avail: number): number {
    if (avail < 12) return 12;
    let little = this.little;
    if (isShb(b, at)) {
      const bom = v.getUint32(at + 8, true);
      if (bom === BYTE_ORDER_MAGIC) little = true;
      else if (v.getUint32(at + 8, false) === BYTE_ORDER_MAGIC) little = false;
      else
        throw invalidAt(
          'pcapng',
          this.frameOffset + 8,
          'byte-order magic',
          'not 0x1A2B3C4D in either byte order',
        );
    } else if (!this.inSection) {
      throw invalidAt(
        'pcapng',
        this.frameOffset,
        'block type',
        'the file does not start with a Section Header Block',
      );
    }
    const len = v.getUint32(at + 4, little);
    if (len < 12 || len % 4 !== 0) {
      throw invalidAt(
        'pcapng',
        this.frameOffset + 4,
        'block total length',
        `${len} is not a multiple of 4 of at least 12`,
      );
    }
    if (len > MAX_PCAPNG_BLOCK) {
      throw invalidAt(
        'pcapng',
        this.frameOffset + 4,
        'block total length',
        `${len} exceeds the ${MAX_PCAPNG_BLOCK}-byte limit`,
      );
    }
    return len;
  }

  protected frame(b: Uint8Array, v: DataView, at: number, len: number): void {
    const shb = isShb(b, at);
    const little = shb ? v.getUint32(at + 8, true) === BYTE_ORDER_MAGIC : this.little;
    // §3.1: the Block Total Length is repeated after the body; a mismatch means a corrupt block.
    const trailer = v.getUint32(at + len - 4, little);
    if (trailer !== len) {
      throw invalidAt(
        'pcapng',
        this.frameOffset + len - 4,
        'trailing block total length',
        `${trailer} differs from ${len}`,
      );
    }
    if (shb) {
      this.sectionHeader(v, at, len, little);
      return;
    }
    const type = v.getUint32(at, little);
    if (type === EPB) this.enhancedPacket(b, v, at, len);
    else if (type === SPB) this.simplePacket(b, v, at, len);
    else if (type === IDB) this.interfaceDescription(v, at, len);
    else if (type === OPB) this.obsoletePacket(b, v, at, len);
  }

  private sectionHeader(v: DataView, at: number, len: number, little: boolean): void {
    if (len < 28) throw this.tooShort('Section Header Block', len, 28);
    const major = v.getUint16(at + 12, little);
    if (major !== 1)
      throw invalidAt('pcapng', this.frameOffset + 12, 'major version', `unsupported major version ${major}`);
    this.little = little;
    this.inSection = true;
    this.sectionCount++;
    // §4.1: interface ids are scoped to their section.
    this.linkTypes = [];
    this.snaplens = [];
    this.unitsPerSecond = [];
    this.offsetSeconds = [];
  }

  private interfaceDescription(v: DataView, at: number, len: number): void {
    if (len < 20) throw this.tooShort('Interface Description Block', len, 20);
    if (this.linkTypes.length >= MAX_INTERFACES) {
      throw invalidAt(
        'pcapng',
        this.frameOffset,
        'interface id',
        `more than ${MAX_INTERFACES} interfaces in one section`,
      );
    }
    let units = 1e6; // §4.2: if_tsresol defaults to microseconds
    let offsetSeconds = 0;
    const end = at + len - 4;
    let o = at + 16;
    while (o + 4 <= end) {
      const code = v.getUint16(o, this.little);
      const optLen = v.getUint16(o + 2, this.little);
      if (code === OPT_ENDOFOPT) break;
      const value = o + 4;
      if (value + optLen > end) {
        throw invalidAt(
          'pcapng',
          this.frameOffset + (o - at) + 2,
          'option length',
          `option ${code} overruns its block`,
        );
      }
      if (code === OPT_IF_TSRESOL && optLen >= 1) {
        const r = v.getUint8(value);
        const exponent = r & 0x7f;
        units = r & 0x80 ? 2 ** exponent : 10 ** exponent; // MSB set: negative power of 2, else of 10
        if (exponent > 63 || units > 1e18) {
          throw invalidAt(
            'pcapng',
            this.frameOffset + (value - at),
            'if_tsresol',
            `unsupported resolution 0x${r.toString(16)}`,
          );
        }
      } else if (code === OPT_IF_TSOFFSET && optLen === 8) {
        const lo = v.getUint32(value + (this.little ? 0 : 4), this.little);
        const hi = v.getInt32(value + (this.little ? 4 : 0), this.little);
        offsetSeconds = hi * TWO_32 + lo;
      }
      o = value + ((optLen + 3) & ~3);
    }
    this.linkTypes.push(v.getUint16(at + 8, this.little));
    this.snaplens.push(v.getUint32(at + 12, this.little));
    this.unitsPerSecond.push(units);
    this.offsetSeconds.push(offsetSeconds);
  }

  private enhancedPacket(b: Uint8Array, v: DataView, at: number, len: number): void {
    if (len < 32) throw this.tooShort('Enhanced Packet Block', len, 32);
    const iface = v.getUint32(at + 8, this.little);
    this.packetAt(b, v, at, len, iface, at + 12, at + 20, 28, 8);
  }

  private obsoletePacket(b: Uint8Array, v: DataView, at: number, len: number): void {
    if (len < 32) throw this.tooShort('Packet Block', len, 32);
    const iface = v.getUint16(at + 8, this.little);
    this.packetAt(b, v, at, len, iface, at + 12, at + 20, 28, 8);
  }

  /** EPB and OPB share the layout after the interface id: ts high, ts low, captured len, original len, data. */
  private packetAt(
    b: Uint8Array,
    v: DataView,
    at: number,
    len: number,
    iface: number,
    tsAt: number,
    lensAt: number,
    dataRel: number,
    ifaceRel: number,
  ): void {
    if (iface >= this.linkTypes.length) {
      throw invalidAt(
        'pcapng',
        this.frameOffset + ifaceRel,
        'interface id',
        `no interface ${iface} in this section`,
      );
    }
    const capLen = v.getUint32(lensAt, this.little);
    const origLen = v.getUint32(lensAt + 4, this.little);
    if (capLen > len - dataRel - 4) {
      throw invalidAt(
        'pcapng',
        this.frameOffset + (lensAt - at),
        'captured packet length',
        `${capLen} overruns the block`,
      );
    }
    if (origLen < capLen) {
      throw invalidAt(
        'pcapng',
        this.frameOffset + (lensAt - at) + 4,
        'original packet length',
        `${origLen} is below captured length ${capLen}`,
      );
    }
    const hi = v.getUint32(tsAt, this.little);
    const lo = v.getUint32(tsAt + 4, this.little);
    const time = timestampSeconds(hi, lo, this.unitsPerSecond[iface]) + this.offsetSeconds[iface];
    this.deliver(b, at + dataRel, capLen, origLen, time, this.linkTypes[iface]);
  }

  private simplePacket(b: Uint8Array, v: DataView, at: number, len: number): void {
    if (len < 16) throw this.tooShort('Simple Packet Block', len, 16);
    if (this.linkTypes.length === 0) {
      throw invalidAt('pcapng', this.frameOffset, 'interface id', 'Simple Packet Block before any interface');
    }
    const origLen = v.getUint32(at + 8, this.little);
    // §4.4: captured length is the smaller of the original length and the interface's snaplen (0 = none).
    const snaplen = this.snaplens[0];
    let capLen = snaplen > 0 ? Math.min(origLen, snaplen) : origLen;
    capLen = Math.min(capLen, len - 16);
    // An SPB carries no timestamp; the packet takes the last timestamp seen, keeping time monotonic.
    this.deliver(b, at + 12, capLen, origLen, this.lastTime, this.linkTypes[0]);
  }

  private deliver(
    b: Uint8Array,
    dataAt: number,
    capLen: number,
    origLen: number,
    time: number,
    linkType: number,
  ): void {
    const p = this.packet;
    p.frame = ++this.count;
    p.time = time;
    p.length = origLen;
    this.lastTime = time;
    decodeFrame(linkType, b, dataAt, capLen, p);
    this.onPacket(p);
  }

  private tooShort(block: string, len: number, min: number): AppError {
    return invalidAt(
      'pcapng',
      this.frameOffset + 4,
      'block total length',
      `${block} of ${len} bytes, needs at least ${min}`,
    );
  }

  protected truncated(have: number, needed: number): AppError {
    return invalidAt('pcapng', this.frameOffset, 'block', `truncated block: ${have} of ${needed} bytes`);
  }

  protected override finish(): void {
    if (!this.inSection) throw invalidAt('pcapng', 0, 'block type', 'empty file: no Section Header Block');
  }
}

function isShb(b: Uint8Array, at: number): boolean {
  return b[at] === 0x0a && b[at + 1] === 0x0d && b[at + 2] === 0x0d && b[at + 3] === 0x0a;
}

/**
 * Seconds of a 64-bit timestamp (hi:lo) counted in `units` per second. Long division over 16-bit limbs
 * keeps it exact where a float product would round (nanoseconds since 1970 exceed 2^53).
 */
export function timestampSeconds(hi: number, lo: number, units: number): number {
  if (units > 2 ** 36) return (hi * TWO_32 + lo) / units;
  // Four 16-bit limbs, most significant first; each step keeps rem * 65536 + limb below 2^53.
  let cur = hi >>> 16;
  let quotient = Math.floor(cur / units);
  let rem = cur - quotient * units;
  cur = rem * 65536 + (hi & 0xffff);
  let digit = Math.floor(cur / units);
  rem = cur - digit * units;
  quotient = quotient * 65536 + digit;
  cur = rem * 65536 + (lo >>> 16);
  digit = Math.floor(cur / units);
  rem = cur - digit * units;
  quotient = quotient * 65536 + digit;
  cur = rem * 65536 + (lo & 0xffff);
  digit = Math.floor(cur / units);
  rem = cur - digit * units;
  quotient = quotient * 65536 + digit;
  return quotient + rem / units;
}

export type PcapngBlock =
  | { type: 'shb'; bigEndian?: boolean }
  | { type: 'idb'; linkType: number; snaplen?: number; tsresol?: number; tsoffset?: number }
  | { type: 'epb'; interfaceId?: number; time: number; data: Uint8Array; originalLength?: number }
  | { type: 'spb'; data: Uint8Array; originalLength?: number }
  | { type: 'other'; blockType: number; body: Uint8Array };

/**
 * Writes pcapng blocks in order; each section uses the byte order its SHB names, and EPB timestamps use
 * the resolution of their interface's if_tsresol (default microseconds).
 */
export function writePcapng(blocks: readonly PcapngBlock[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let little = true;
  let resolutions: number[] = [];
  const block = (type: number, body: Uint8Array): void => {
    const len = 12 + ((body.length + 3) & ~3);
    const out = new Uint8Array(len);
    const v = new DataView(out.buffer);
    v.setUint32(0, type, little);
    v.setUint32(4, len, little);
    out.set(body, 8);
    v.setUint32(len - 4, len, little);
    parts.push(out);
  };
  for (const spec of blocks) {
    if (spec.type === 'shb') {
      little = !spec.bigEndian;
      resolutions = [];
      const body = new Uint8Array(16);
      const v = new DataView(body.buffer);
      v.setUint32(0, BYTE_ORDER_MAGIC, little);
      v.setUint16(4, 1, little);
      v.setUint16(6, 0, little);
      v.setInt32(8, -1, little); // section length unknown
      v.setInt32(12, -1, little);
      block(SHB, body);
    } else if (spec.type === 'idb') {
      const opts: number[][] = [];
      if (spec.tsresol !== undefined) opts.push([OPT_IF_TSRESOL, 1]);
      if (spec.tsoffset !== undefined) opts.push([OPT_IF_TSOFFSET, 8]);
      const body = new Uint8Array(8 + opts.length * 12 + (opts.length ? 4 : 0));
      const v = new DataView(body.buffer);
      v.setUint16(0, spec.linkType, little);
      v.setUint32(4, spec.snaplen ?? 0, little);
      let o = 8;
      for (const [code, len] of opts) {
        v.setUint16(o, code, little);
        v.setUint16(o + 2, len, little);
        if (code === OPT_IF_TSRESOL) v.setUint8(o + 4, spec.tsresol!);
        else v.setBigInt64(o + 4, BigInt(spec.tsoffset!), little);
        o += 4 + ((len + 3) & ~3);
      }
      resolutions.push(spec.tsresol ?? 6);
      block(IDB, body.subarray(0, o === 8 ? 8 : o + 4));
    } else if (spec.type === 'epb') {
      const r = resolutions[spec.interfaceId ?? 0] ?? 6;
      const units = BigInt(r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r);
      const seconds = Math.floor(spec.time);
      const ticks = BigInt(seconds) * units + BigInt(Math.round((spec.time - seconds) * Number(units)));
      const body = new Uint8Array(20 + spec.data.length);
      const v = new DataView(body.buffer);
      v.setUint32(0, spec.interfaceId ?? 0, little);
      v.setUint32(4, Number(ticks >> 32n), little);
      v.setUint32(8, Number(ticks & 0xffffffffn), little);
      v.setUint32(12, spec.data.length, little);
      v.setUint32(16, spec.originalLength ?? spec.data.length, little);
      body.set(spec.data, 20);
      block(EPB, body);
    } else if (spec.type === 'spb') {
      const body = new Uint8Array(4 + spec.data.length);
      new DataView(body.buffer).setUint32(0, spec.originalLength ?? spec.data.length, little);
      body.set(spec.data, 4);
      block(SPB, body);
    } else {
      block(spec.blockType, spec.body);
    }
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
