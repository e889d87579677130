/**
 * Scores a packet capture file with the packet detector, following shared/eval/PROTOCOL.md: one row per
 * packet `id,score,alert`, id = frame number from 1, an empty score (and alert) for the training packets
 * 1..train, alert = 1 when the detector's own threshold or a context rule fires. Backs
 * `coverwatch detect FILE --train N --scores OUT.csv`.
 */
import { statSync } from 'node:fs';
import { invalid, isAppError } from '../../core/errors';
import { type PacketFormat, type PacketRecord, readPacketFile } from '../telemetry';
import type { DetectionAlert } from './domain/alert';
import type { ContextSummary } from './domain/context-rules';
import { FlowAssembler } from './domain/flow-assembler';
import { FlowDetector } from './domain/flow-detector';
import { PacketDetector, type PacketDetectorOptions, type PacketVerdict } from './domain/packet-detector';
import { KitNetWorkerError, PipelinedPacketDetector } from './domain/pipelined-detector';

export const SCORE_CSV_HEADER = 'id,score,alert';

/** One CSV row of the protocol; score undefined for a training packet. */
export function scoreRow(id: number, score: number | undefined, alert: boolean): string {
  return score === undefined ? `${id},,` : `${id},${score},${alert ? 1 : 0}`;
}

/**
 * Files from which on KitNET runs in a worker thread (pipelined-detector.ts, the same scores bit for bit).
 * Below them the worker's start and its cold JIT eat the gain: on the 38,363-packet Kitsune trace the two
 * threads tied with one (~85k packets/s each, idle machine), on it replayed x5 (191,815) they ran ~120k
 * against ~88k. Counted packets when the file was counted (no --train), else its size: ~75 bytes a packet
 * in pcap, ~110 in tshark TSV.
 */
export const PIPELINE_MIN_PACKETS = 100_000;
export const PIPELINE_MIN_BYTES = 8 * 1024 * 1024;

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
  /** Receives the detector after the file, e.g. to snapshot it (runs the sequential detector). */
  onDone?: (detector: PacketDetector) => void;
  /**
   * KitNET in a worker thread: 'auto' (default) for files past PIPELINE_MIN_PACKETS / PIPELINE_MIN_BYTES,
   * false never, true always. Either way a worker that cannot start, or fails during the file, leaves
   * the file to one thread (see pipelineError).
   */
  pipeline?: boolean | 'auto';
  /** Fault injection for tests of those fallbacks (PipelinedPacketDetectorOptions.fault). */
  pipelineFault?: 'start' | number;
  /**
   * Also assemble the packets into connection records (as Zeek's conn.log) and run the flow rules on them
   * (default true), so a port scan, a brute force, a beacon or a flood in a capture is named as such. Their
   * alerts join the summary's; the rows stay one per packet, marked by the packet detector.
   */
  flows?: boolean;
}

export interface DetectPacketFileSummary {
  path: string;
  format: PacketFormat;
  records: number;
  trainPackets: number;
  scored: number;
  /** Scored packets marked alert = 1. */
  alertPackets: number;
  /** Connection records assembled from the packets and run through the flow rules, or null (flows: false). */
  flows: { records: number; alertRecords: number } | null;
  /** Aggregated alerts per ATT&CK technique id. */
  alertsByTechnique: Record<string, number>;
  /** Packets per second of the detection pass (reading included, the counting pass excluded). */
  packetsPerSecond: number;
  /** Whether KitNET ran in a worker thread (to the end of the file). */
  pipelined: boolean;
  /**
   * Why KitNET ran on one thread although a worker was wanted, else null: the worker did not start, or it
   * failed during the file, which was then run again on one thread (the rows and alerts the callbacks
   * already had are not given twice; both detectors produce the same bits).
   */
  pipelineError: string | null;
  seconds: number;
  threshold: number;
  context: ContextSummary | null;
  alerts: DetectionAlert[];
}

export async function detectPacketFile(options: DetectPacketFileOptions): Promise<DetectPacketFileSummary> {
  const { path, format = 'auto', onRow, collectAlerts = true } = options;
  let train = options.train;
  let packetCount: number | undefined;
  if (train === undefined) {
    // A file that breaks off (a capture cut short) is counted up to the break: the detection pass then
    // scores those packets and reports the same error where it stops.
    let n = 0;
    try {
      packetCount = (await readPacketFile(path, { format }, () => void n++)).packets;
    } catch (e) {
      if (!isAppError(e) || e.kind !== 'invalid' || n === 0) throw e;
      packetCount = n;
    }
    train = defaultTrainPackets(packetCount);
  }
  if (!Number.isInteger(train) || train < 1)
    throw invalid('train must be a positive whole number of packets', [
      { field: 'train', message: `got ${train}` },
    ]);
  let alerts: DetectionAlert[] = [];
  let alertsByTechnique: Record<string, number> = {};
  let scored = 0;
  let alertPackets = 0;
  // What the caller's callbacks were given, and what this run has produced: a run on one thread after a
  // worker failed mid-file stays silent until it passes what the failed run gave.
  const given = { rows: 0, alerts: 0, flowAlerts: 0 };
  const seen = { rows: 0, alerts: 0, flowAlerts: 0 };
  /** An alert sink counting on `seen[k]` / `given[k]`: the packet detector's alerts or the flow rules'. */
  const counted = (k: 'alerts' | 'flowAlerts') => (a: DetectionAlert) => {
    alertsByTechnique[a.technique.id] = (alertsByTechnique[a.technique.id] ?? 0) + 1;
    if (collectAlerts) alerts.push(a);
    if (seen[k]++ < given[k]) return;
    given[k]++;
    options.onAlert?.(a);
  };
  const flowAlert = counted('flowAlerts');
  let flows = options.flows === false ? null : new FlowSide(flowAlert);
  const detectorOptions: PacketDetectorOptions = {
    ...options,
    trainPackets: train,
    onAlert: counted('alerts'),
  };
  const verdict = (v: PacketVerdict) => {
    if (!v.training) {
      scored++;
      if (v.alert) alertPackets++;
    }
    if (seen.rows++ < given.rows) return;
    given.rows++;
    if (v.training) onRow?.(v.frame, undefined, false);
    else onRow?.(v.frame, v.score, v.alert);
  };
  const started = performance.now();
  let pipelineError: string | null = null;
  let read: Awaited<ReturnType<typeof readPacketFile>> | undefined;
  let calibration: ReturnType<PacketDetector['calibration']> | undefined;
  const pipelined = wantsPipeline(options, packetCount)
    ? await PipelinedPacketDetector.start({
        ...detectorOptions,
        fault: options.pipelineFault,
        onVerdict: verdict,
      }).catch((e: unknown) => {
        pipelineError = `the KitNET worker did not start: ${e instanceof Error ? e.message : String(e)}`;
        return null;
      })
    : null;
  if (pipelined) {
    try {
      read = await readPacketFile(path, { format }, (p: PacketRecord) => {
        pipelined.push(p);
        flows?.push(p);
      });
      await pipelined.finish();
      flows?.finish();
      calibration = pipelined.calibration();
    } catch (e) {
      if (!(e instanceof KitNetWorkerError)) {
        // The file is at fault: give the verdicts of every packet read before it, as on one thread.
        await pipelined.finish().catch(() => pipelined.abort());
        flows?.finish();
        throw e;
      }
      await pipelined.abort();
      pipelineError = `${e.message} after ${pipelined.delivered} packets; the file was run again on one thread`;
      read = undefined;
      alerts = [];
      alertsByTechnique = {};
      scored = 0;
      alertPackets = 0;
      seen.rows = 0;
      seen.alerts = 0;
      seen.flowAlerts = 0;
      if (flows) flows = new FlowSide(flowAlert);
    }
  }
  if (!read || !calibration) {
    const detector = new PacketDetector(detectorOptions);
    try {
      read = await readPacketFile(path, { format }, (p: PacketRecord) => {
        verdict(detector.process(p));
        flows?.push(p);
      });
    } finally {
      detector.flush();
      flows?.finish();
    }
    if (read.packets >= train) options.onDone?.(detector);
    calibration = detector.calibration();
  }
  const seconds = (performance.now() - started) / 1000;
  if (read.packets < train)
    throw invalid(`the file has ${read.packets} packets, fewer than the ${train} training packets`, [
      { field: 'train', message: 'nothing would be scored' },
    ]);
  return {
    path,
    format: read.format,
    records: read.packets,
    trainPackets: train,
    scored,
    alertPackets,
    flows: flows ? { records: flows.records, alertRecords: flows.alertRecords } : null,
    alertsByTechnique,
    packetsPerSecond: seconds > 0 ? read.packets / seconds : 0,
    pipelined: pipelined !== null && pipelineError === null,
    pipelineError,
    seconds,
    threshold: calibration.threshold,
    context: calibration.context,
    alerts,
  };
}

/** Packets assembled into connection records, scored by the flow rules as they complete. */
class FlowSide {
  records = 0;
  alertRecords = 0;
  private readonly detector: FlowDetector;
  private readonly assembler: FlowAssembler;

  constructor(onAlert: (a: DetectionAlert) => void) {
    this.detector = new FlowDetector({ onAlert });
    this.assembler = new FlowAssembler((f) => {
      this.records++;
      if (this.detector.score(f).alert) this.alertRecords++;
    });
  }

  push(p: PacketRecord): void {
    this.assembler.push(p);
  }

  finish(): void {
    this.assembler.flush();
    this.detector.flush();
  }
}

function wantsPipeline(options: DetectPacketFileOptions, counted: number | undefined): boolean {
  const { pipeline = 'auto' } = options;
  if (pipeline === false || options.onDone) return false;
  if (pipeline === true) return true;
  return counted !== undefined
    ? counted > PIPELINE_MIN_PACKETS
    : statSync(options.path).size > PIPELINE_MIN_BYTES;
}
