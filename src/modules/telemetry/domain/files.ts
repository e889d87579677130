// The one file of the telemetry domain that touches the file system: it streams a file into the pure
// push parsers, in fixed-size chunks, so memory stays constant whatever the file's size.
import { createReadStream } from 'node:fs';
import type { OnPacket } from './pcap';
import { type FlowFormat, type PacketFormat, readFlowStream, readPacketStream } from './sniff';
import type { OnFlow } from './zeek-tsv';

const CHUNK = 256 * 1024;

/** Streams a pcap, pcapng or tshark TSV file into `onPacket` (one reused record); 'auto' sniffs the format. */
export function readPacketFile(
  path: string,
  opts: { format?: PacketFormat | 'auto' },
  onPacket: OnPacket,
): Promise<{ format: PacketFormat; packets: number }> {
  return readPacketStream(createReadStream(path, { highWaterMark: CHUNK }), opts, onPacket);
}

/** Streams a Zeek conn.log (TSV or JSON lines) into `onFlow` (one reused record); 'auto' sniffs the format. */
export function readFlowFile(
  path: string,
  opts: { format?: FlowFormat | 'auto' },
  onFlow: OnFlow,
): Promise<{ format: FlowFormat; flows: number }> {
  return readFlowStream(createReadStream(path, { highWaterMark: CHUNK }), opts, onFlow);
}
