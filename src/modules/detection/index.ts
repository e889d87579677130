/**
 * The detection engine: readers' records in, scores and ATT&CK-named alerts out (packet and flow
 * detectors, file scoring for `coverwatch detect`). It stores nothing and serves nothing; the alerts
 * module keeps, serves and streams what it finds. Loading it loads no database or HTTP code, which keeps
 * `coverwatch detect` within its memory target.
 */
export { detectPacketFile, SCORE_CSV_HEADER, scoreRow } from './detect-file';
export { detectFlowFile, flowScoreRow } from './detect-flows';
export type { DetectionAlert, Severity } from './domain/alert';
export { FlowAssembler } from './domain/flow-assembler';
export { FlowDetector } from './domain/flow-detector';
export { BEHAVIOURS as FLOW_BEHAVIOURS } from './domain/flow-rules';
export { PACKET_TECHNIQUES } from './domain/packet-alerts';
export { PacketDetector } from './domain/packet-detector';
export { PipelinedPacketDetector } from './domain/pipelined-detector';
