/**
 * The detection engine: readers' records in, scores and ATT&CK-named alerts out (packet and flow
 * detectors, file scoring for `coverwatch detect`). It stores nothing and serves nothing; the alerts
 * module keeps, serves and streams what it finds. Loading it loads no database or HTTP code, which keeps
 * `coverwatch detect` within its memory target.
 */
export {
  type DetectPacketFileOptions,
  type DetectPacketFileSummary,
  defaultTrainPackets,
  detectPacketFile,
  PIPELINE_MIN_BYTES,
  PIPELINE_MIN_PACKETS,
  SCORE_CSV_HEADER,
  scoreRow,
} from './detect-file';
export {
  type DetectFlowFileOptions,
  type DetectFlowFileSummary,
  detectFlowFile,
  flowScoreRow,
} from './detect-flows';
export { AfterImage, FEATURE_COUNT, featureNames, LAMBDAS } from './domain/afterimage';
export type { AttackTechnique, DetectionAlert, Severity } from './domain/alert';
export { CONTEXT, type ContextSummary } from './domain/context-rules';
export { assembleFlows, FlowAssembler, type FlowAssemblerOptions } from './domain/flow-assembler';
export { FlowDetector, type FlowDetectorOptions, type FlowVerdict } from './domain/flow-detector';
export {
  addressScope,
  BEHAVIOURS as FLOW_BEHAVIOURS,
  DEFAULT_FLOW_THRESHOLDS,
  type FlowBehaviour,
  type FlowThresholds,
  TECHNIQUES as FLOW_TECHNIQUES,
} from './domain/flow-rules';
export { KitNet } from './domain/kitnet';
export { PACKET_TECHNIQUES } from './domain/packet-alerts';
export { PacketDetector, type PacketDetectorOptions, type PacketVerdict } from './domain/packet-detector';
export {
  PipelinedPacketDetector,
  type PipelinedPacketDetectorOptions,
} from './domain/pipelined-detector';
export { fitThreshold, type ThresholdFit } from './domain/threshold';
