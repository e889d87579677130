export {
  ALERT_STATUSES,
  type AlertFilter,
  type AlertListener,
  AlertService,
  type AlertStatus,
  type AlertTriage,
  type AlertView,
} from './alerts.service';
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
export { flowProblem, LiveDetection, type LiveOptions } from './live';
export { registerDetectionRoutes } from './routes';
