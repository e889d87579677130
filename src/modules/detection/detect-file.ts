/**
 * Scores a packet capture file with the packet detector, following shared/eval/PROTOCOL.md: one row per
 * packet `id,score,alert`, id = frame number from 1, an empty score (and alert) for the training packets
 * 1..train, alert = 1 when the detector's own threshold or a context rule fires. Backs
 * `coverwatch detect FILE --train N --scores OUT.csv`.
 */
import { invalid } from '../../core/errors';
import { type PacketFormat, type PacketRecord, readPacketFile } from '../telemetry';
import type { DetectionAlert } from './domain/alert';
import type { ContextSummary } from './domain/context-rules';
import { PacketDetector, type PacketDetectorOptions } from './domain/packet-detector';

export const SCORE_CSV_HEADER = 'id,score,alert';

/** One CSV row of the protocol; score undefined for a training packet. */
export function scoreRow(id: number, score: number | undefined, alert: boolean): string {
  return score === undefined ? `${id},,` : `${id},${score},${alert ? 1 : 0}`;
}

/**
 * Training packets when the caller gives none: 20 % of the file, at least 1,000 (or the whole file when it
 * is smaller) and at most 100,000. A fifth keeps most of a capture for scoring while giving KitNET a few
 * thousand packets on typical captures; it needs a first pass over the file to count packets.
 */
export function defaultTrainPackets(packets: number): number {
  return Math.min(100_000, Math.max(Math.min(1_000, packets), Math.floor(0.2 * packets)));
}

export interface DetectPacketFileOptions extends Omit<PacketDetectorOptions, 'trainPackets' | 'onAlert'> {
  path: string;
  format?: PacketFormat | 'auto';
  /** Packets 1..train only train; default defaultTrainPackets(file's packet count). */
  train?: number;
  /** Called for every packet in file order; score undefined while training. */
  onRow?: (id: number, score: number | undefined, alert: boolean) => void;
  onAlert?: (alert: DetectionAlert) => void;
  /** Keep the emitted alerts in the summary (default true). */
  collectAlerts?: boolean;
  /** Receives the detector after the file, e.g. to snapshot it. */
  onDone?: (detector: PacketDetector) => void;
}

export interface DetectPacketFileSummary {
  path: string;
  format: PacketFormat;
  records: number;
  trainPackets: number;
  scored: number;
  /** Scored packets marked alert = 1. */
  alertPackets: number;
  /** Aggregated alerts per ATT&CK technique id. */
  alertsByTechnique: Record<string, number>;
  /** Packets per second of the detection pass (reading included, the counting pass excluded). */
  packetsPerSecond: number;
  seconds: number;
  threshold: number;
  context: ContextSummary | null;
  alerts: DetectionAlert[];
}

export async function detectPacketFile(options: DetectPacketFileOptions): Promise<DetectPacketFileSummary> {
  const { path, format = 'auto', onRow, collectAlerts = true } = options;
  let train = options.train;
  if (train === undefined) {
    const counted = await readPacketFile(path, { format }, () => {});
    train = defaultTrainPackets(counted.packets);
  }
  if (!Number.isInteger(train) || train < 1)
    throw invalid('train must be a positive whole number of packets', [
      { field: 'train', message: `got ${train}` },
    ]);
  const alerts: DetectionAlert[] = [];
  const alertsByTechnique: Record<string, number> = {};
  const detector = new PacketDetector({
    ...options,
    trainPackets: train,
    onAlert: (a) => {
      alertsByTechnique[a.technique.id] = (alertsByTechnique[a.technique.id] ?? 0) + 1;
      if (collectAlerts) alerts.push(a);
      options.onAlert?.(a);
    },
  });
  let scored = 0;
  let alertPackets = 0;
  const started = performance.now();
  const read = await readPacketFile(path, { format }, (p: PacketRecord) => {
    const v = detector.process(p);
    if (v.training) {
      onRow?.(p.frame, undefined, false);
      return;
    }
    scored++;
    if (v.alert) alertPackets++;
    onRow?.(p.frame, v.score, v.alert);
  });
  detector.flush();
  const seconds = (performance.now() - started) / 1000;
  if (read.packets < train)
    throw invalid(`the file has ${read.packets} packets, fewer than the ${train} training packets`, [
      { field: 'train', message: 'nothing would be scored' },
    ]);
  options.onDone?.(detector);
  const cal = detector.calibration();
  return {
    path,
    format: read.format,
    records: read.packets,
    trainPackets: train,
    scored,
    alertPackets,
    alertsByTechnique,
    packetsPerSecond: seconds > 0 ? read.packets / seconds : 0,
    seconds,
    threshold: cal.threshold,
    context: cal.context,
    alerts,
  };
}
