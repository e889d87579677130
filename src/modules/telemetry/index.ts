export { ipv4At, ipv6At, macAt } from './domain/addresses';
export { decodeFrame, LinkType, resetLayers } from './domain/decode';
export { readFlowFile, readPacketFile } from './domain/files';
export { buildFrame, type FrameSpec, modbusAdu } from './domain/frames';
export type { StreamReader } from './domain/framing';
export { MAX_LINE_BYTES } from './domain/lines';
export {
  MAX_PCAP_CAPLEN,
  type OnPacket,
  type PcapPacket,
  PcapReader,
  type WritePcapOptions,
  writePcap,
} from './domain/pcap';
export { MAX_PCAPNG_BLOCK, type PcapngBlock, PcapngReader, writePcapng } from './domain/pcapng';
export { copyPacket, emptyPacket, type FlowRecord, type PacketRecord } from './domain/records';
export {
  type FileFormat,
  type FlowFormat,
  flowReader,
  type PacketFormat,
  packetReader,
  readFlowStream,
  readPacketStream,
  sniffFormat,
} from './domain/sniff';
export { TsharkTsvReader } from './domain/tshark-tsv';
export { ZeekJsonReader } from './domain/zeek-json';
export { CONN_FIELDS, copyFlow, emptyFlow, type OnFlow, ZeekTsvReader } from './domain/zeek-tsv';
export {
  CHANNELS,
  type Channel,
  commandTopic,
  mayPublish,
  maySubscribe,
  type ParsedTopic,
  parseTopic,
  type TopicOwner,
  telemetryTopic,
} from './topics';
