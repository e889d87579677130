import type { AppError } from '../../../core/errors';
import { decodeFrame, LinkType } from './decode';
import { FramedReader, invalidAt } from './framing';
import { emptyPacket, type PacketRecord } from './records';

// Classic pcap, per draft-ietf-opsawg-pcap §4 (file header) and §5 (packet record).
const MAGIC_MICRO = 0xa1b2c3d4;
const MAGIC_NANO = 0xa1b23c4d;
const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/** libpcap's MAXIMUM_SNAPLEN (pcap-int.h): larger captured lengths mean a corrupt record header. */
export const MAX_PCAP_CAPLEN = 262_144;

export type OnPacket = (packet: PacketRecord) => void;

/**
 * Push parser for classic pcap (both byte orders, microsecond and nanosecond magics). Hands every
 * packet to `onPacket` in the one reused record; copy it (`copyPacket`) to keep it.
 */
export class PcapReader extends FramedReader {
  private readonly packet = emptyPacket();
  private headerRead = false;
  private little = true;
  private fractionPerSecond = 1e6;
  private _linkType = -1;
  private _snaplen = 0;
  private count = 0;

  constructor(private readonly onPacket: OnPacket) {
    super();
  }

  /** Packets delivered so far. */
  get packets(): number {
    return this.count;
  }

  /** The file's link type (-1 before the file header is read). */
  get linkType(): number {
    return this._linkType;
  }

  get nanosecond(): boolean {
    return this.fractionPerSecond === 1e9;
  }

  get snaplen(): number {
    return this._snaplen;
  }

  protected need(_b: Uint8Array, v: DataView, at: number, avail: number): number {
    if (!this.headerRead) return FILE_HEADER;
    if (avail < RECORD_HEADER) return RECORD_HEADER;
    const capLen = v.getUint32(at + 8, this.little);
    if (capLen > MAX_PCAP_CAPLEN) {
      throw invalidAt(
        'pcap',
        this.frameOffset + 8,
        'incl_len',
        `captured length ${capLen} exceeds the maximum ${MAX_PCAP_CAPLEN}`,
      );
    }
    return RECORD_HEADER + capLen;
  }

  protected frame(b: Uint8Array, v: DataView, at: number, len: number): void {
    if (!this.headerRead) {
      this.readFileHeader(v, at);
      return;
    }
    const offset = this.frameOffset;
    const seconds = v.getUint32(at, this.little);
    const fraction = v.getUint32(at + 4, this.little);
    const origLen = v.getUint32(at + 12, this.little);
    const capLen = len - RECORD_HEADER;
    if (fraction >= this.fractionPerSecond) {
      const field = this.nanosecond ? 'ts_nsec' : 'ts_usec';
      throw invalidAt(
        'pcap',
        offset + 4,
        field,
        `sub-second part ${fraction} is not below ${this.fractionPerSecond}`,
      );
    }
    if (origLen < capLen) {
      throw invalidAt(
        'pcap',
        offset + 12,
        'orig_len',
        `original length ${origLen} is below captured length ${capLen}`,
      );
    }
    const p = this.packet;
    p.frame = ++this.count;
    p.time = seconds + fraction / this.fractionPerSecond;
    p.length = origLen;
    decodeFrame(this._linkType, b, at + RECORD_HEADER, capLen, p);
    this.onPacket(p);
  }

  private readFileHeader(v: DataView, at: number): void {
    const magic = v.getUint32(at, true);
    const swapped = v.getUint32(at, false);
    if (magic === MAGIC_MICRO || magic === MAGIC_NANO) this.little = true;
    else if (swapped === MAGIC_MICRO || swapped === MAGIC_NANO) this.little = false;
    else {
      throw invalidAt(
        'pcap',
        this.frameOffset,
        'magic_number',
        `unknown magic 0x${swapped.toString(16).padStart(8, '0')}`,
      );
    }
    this.fractionPerSecond = (this.little ? magic : swapped) === MAGIC_NANO ? 1e9 : 1e6;
    const major = v.getUint16(at + 4, this.little);
    if (major !== 2) {
      throw invalidAt('pcap', this.frameOffset + 4, 'version_major', `unsupported major version ${major}`);
    }
    this._snaplen = v.getUint32(at + 16, this.little);
    // The low 26 bits hold the link type; the high bits carry FCS information (libpcap LT_LINKTYPE).
    this._linkType = v.getUint32(at + 20, this.little) & 0x03ffffff;
    this.headerRead = true;
  }

  protected truncated(have: number, needed: number): AppError {
    const what = !this.headerRead ? 'file header' : have < RECORD_HEADER ? 'record header' : 'packet data';
    return invalidAt('pcap', this.frameOffset, what, `truncated ${what}: ${have} of ${needed} bytes`);
  }

  protected override finish(): void {
    if (!this.headerRead) throw invalidAt('pcap', 0, 'file header', 'empty file: no pcap file header');
  }
}

export interface PcapPacket {
  /** Seconds since the epoch. */
  time: number;
  data: Uint8Array;
  /** Bytes on the wire; defaults to data.length (after snaplen truncation, the untruncated length). */
  originalLength?: number;
}

export interface WritePcapOptions {
  linkType?: number;
  nanosecond?: boolean;
  bigEndian?: boolean;
  /** Captured bytes per packet are cut to this; default 262144. */
  snaplen?: number;
}

/** Writes a classic pcap file (the inverse of PcapReader) for simulators, exports and tests. */
export function writePcap(packets: readonly PcapPacket[], opts: WritePcapOptions = {}): Uint8Array {
  const snaplen = opts.snaplen ?? MAX_PCAP_CAPLEN;
  const little = !opts.bigEndian;
  const perSecond = opts.nanosecond ? 1e9 : 1e6;
  let total = FILE_HEADER;
  for (const p of packets) total += RECORD_HEADER + Math.min(p.data.length, snaplen);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, opts.nanosecond ? MAGIC_NANO : MAGIC_MICRO, little);
  v.setUint16(4, 2, little);
  v.setUint16(6, 4, little);
  v.setUint32(16, snaplen, little);
  v.setUint32(20, opts.linkType ?? LinkType.ETHERNET, little);
  let at = FILE_HEADER;
  for (const p of packets) {
    let seconds = Math.floor(p.time);
    let fraction = Math.round((p.time - seconds) * perSecond);
    if (fraction >= perSecond) {
      seconds += 1;
      fraction -= perSecond;
    }
    const capLen = Math.min(p.data.length, snaplen);
    v.setUint32(at, seconds, little);
    v.setUint32(at + 4, fraction, little);
    v.setUint32(at + 8, capLen, little);
    v.setUint32(at + 12, Math.max(p.originalLength ?? p.data.length, capLen), little);
    out.set(p.data.subarray(0, capLen), at + RECORD_HEADER);
    at += RECORD_HEADER + capLen;
  }
  return out;
}
