export {
  type DetectPacketFileOptions,
  type DetectPacketFileSummary,
  defaultTrainPackets,
  detectPacketFile,
  SCORE_CSV_HEADER,
  scoreRow,
} from './detect-file';
export { AfterImage, FEATURE_COUNT, featureNames, LAMBDAS } from './domain/afterimage';
export type { AttackTechnique, DetectionAlert, Severity } from './domain/alert';
export { CONTEXT, type ContextSummary } from './domain/context-rules';
export { KitNet } from './domain/kitnet';
export {
  PACKET_TECHNIQUES,
  PacketDetector,
  type PacketDetectorOptions,
  type PacketVerdict,
} from './domain/packet-detector';
export { fitThreshold, type ThresholdFit } from './domain/threshold';
