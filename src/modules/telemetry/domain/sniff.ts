import { invalid } from '../../../core/errors';
import type { StreamReader } from './framing';
import type { OnPacket } from './pcap';
import { PcapReader } from './pcap';
import { PcapngReader } from './pcapng';
import { TsharkTsvReader } from './tshark-tsv';
import { ZeekJsonReader } from './zeek-json';
import { type OnFlow, ZeekTsvReader } from './zeek-tsv';

export type PacketFormat = 'pcap' | 'pcapng' | 'tsv';
export type FlowFormat = 'zeek-tsv' | 'zeek-json';
export type FileFormat = PacketFormat | FlowFormat;

const PCAP_MAGICS = [0xa1b2c3d4, 0xa1b23c4d];

/**
 * The format of a file from its first bytes (a few hundred suffice), or null when none matches:
 * pcap magic in either byte order and either resolution; pcapng's Section Header Block type;
 * Zeek's `#separator` header; a JSON object; a tshark header line naming frame.* fields.
 */
export function sniffFormat(firstBytes: Uint8Array): FileFormat | null {
  const b = firstBytes;
  if (b.length >= 4) {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const le = v.getUint32(0, true);
    const be = v.getUint32(0, false);
    if (PCAP_MAGICS.includes(le) || PCAP_MAGICS.includes(be)) return 'pcap';
    if (be === 0x0a0d0d0a) return 'pcapng';
  }
  let i = 0;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) i = 3; // UTF-8 byte-order mark
  while (i < b.length && (b[i] === 32 || b[i] === 9 || b[i] === 10 || b[i] === 13)) i++;
  const head = new TextDecoder('latin1').decode(b.subarray(i, Math.min(b.length, i + 512)));
  if (head.startsWith('#separator') || head.startsWith('#fields')) return 'zeek-tsv';
  if (head.startsWith('{')) return 'zeek-json';
  const firstLine = head.split('\n', 1)[0];
  if (/(^|\t)frame\.(time_epoch|len|number)(\t|\r|$)/.test(firstLine)) return 'tsv';
  return null;
}

/** A packet push parser for the format. */
export function packetReader(
  format: PacketFormat,
  onPacket: OnPacket,
): StreamReader & { readonly packets: number } {
  if (format === 'pcap') return new PcapReader(onPacket);
  if (format === 'pcapng') return new PcapngReader(onPacket);
  return new TsharkTsvReader(onPacket);
}

/** A flow push parser for the format. */
export function flowReader(format: FlowFormat, onFlow: OnFlow): StreamReader & { readonly flows: number } {
  return format === 'zeek-tsv' ? new ZeekTsvReader(onFlow) : new ZeekJsonReader(onFlow);
}

/** Enough leading bytes to recognise any of the formats, even when a source yields tiny chunks. */
const SNIFF_BYTES = 512;

async function firstAndRest(
  source: AsyncIterable<Uint8Array>,
): Promise<{ first: Uint8Array | null; rest: AsyncIterator<Uint8Array> }> {
  const rest = source[Symbol.asyncIterator]();
  const parts: Uint8Array[] = [];
  let total = 0;
  while (total < SNIFF_BYTES) {
    const step = await rest.next();
    if (step.done) break;
    parts.push(step.value);
    total += step.value.length;
  }
  if (parts.length <= 1) return { first: parts[0] ?? null, rest };
  const first = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    first.set(p, at);
    at += p.length;
  }
  return { first, rest };
}

function chosenFormat<F extends FileFormat>(
  requested: F | 'auto',
  first: Uint8Array | null,
  allowed: readonly F[],
  kind: string,
): F {
  if (requested !== 'auto') return requested;
  if (first === null || first.length === 0) {
    throw invalid('empty file: cannot detect its format', [
      { offset: 0, field: 'format', message: 'no bytes' },
    ]);
  }
  const sniffed = sniffFormat(first);
  if (sniffed === null || !(allowed as readonly string[]).includes(sniffed)) {
    const what = sniffed === null ? 'an unrecognised format' : `a ${sniffed} file`;
    throw invalid(`expected a ${kind} (${allowed.join(', ')}), found ${what}`, [
      { offset: 0, field: 'format', message: `not a ${kind}` },
    ]);
  }
  return sniffed as F;
}

/** Reads a packet stream of any chunking to its end; the format is detected from the first chunk for 'auto'. */
export async function readPacketStream(
  source: AsyncIterable<Uint8Array>,
  opts: { format?: PacketFormat | 'auto' },
  onPacket: OnPacket,
): Promise<{ format: PacketFormat; packets: number }> {
  const { first, rest } = await firstAndRest(source);
  const format = chosenFormat(opts.format ?? 'auto', first, ['pcap', 'pcapng', 'tsv'], 'packet capture');
  const reader = packetReader(format, onPacket);
  await drain(reader, first, rest);
  return { format, packets: reader.packets };
}

/** Reads a flow log stream of any chunking to its end; the format is detected from the first chunk for 'auto'. */
export async function readFlowStream(
  source: AsyncIterable<Uint8Array>,
  opts: { format?: FlowFormat | 'auto' },
  onFlow: OnFlow,
): Promise<{ format: FlowFormat; flows: number }> {
  const { first, rest } = await firstAndRest(source);
  const format = chosenFormat(opts.format ?? 'auto', first, ['zeek-tsv', 'zeek-json'], 'flow log');
  const reader = flowReader(format, onFlow);
  await drain(reader, first, rest);
  return { format, flows: reader.flows };
}

async function drain(
  reader: StreamReader,
  first: Uint8Array | null,
  rest: AsyncIterator<Uint8Array>,
): Promise<void> {
  try {
    if (first !== null) reader.push(first);
    for (let step = await rest.next(); !step.done; step = await rest.next()) reader.push(step.value);
    reader.end();
  } finally {
    await rest.return?.();
  }
}
