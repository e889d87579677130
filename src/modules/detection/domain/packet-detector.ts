/**
 * The packet detector: AfterImage features → KitNET score → frozen calibrated threshold, plus context
 * rules, combined into one score per packet and aggregated alerts.
 *
 * Phases by packet count (training packets 1..T):
 *   1..F          feature-map grace (F = floor(featureMapFraction · T), Kitsune's FM grace)
 *   F+1..T        autoencoder training; over the last calibrationFraction of it every packet is first
 *                 scored, then trained on (test-then-train), and those scores calibrate the threshold
 *   T+1..         execution: nothing learns any more, so attack traffic cannot raise the threshold
 * Context baselines learn over all of 1..T.
 *
 * Combined score (documented contract, detect-file writes it):
 *   m = modelScore / threshold                (≥ 0; 1 at the threshold)
 *   score = m / (1 + m) + Σ CONTEXT_WEIGHT[hit] (model part in [0, 1), every context hit adds ≥ 1)
 * so the ranking among packets without context hits is the model's, and any context hit ranks above all
 * of them. A packet alerts when a context rule fires, or when m > anomalyAlertMultiple and its source has
 * had a burst of such exceedances (anomalyBurst within anomalyHalfLifeSeconds); the score does not
 * depend on the burst. Alerts are aggregated per subject and behaviour (packet-alerts.ts).
 */

import { invalid } from '../../../core/errors';
import type { PacketRecord } from '../../telemetry/domain/records';
import { AfterImage, FEATURE_COUNT } from './afterimage';
import type { DetectionAlert } from './alert';
import { CONTEXT_WEIGHT, ContextModel, type ContextSummary } from './context-rules';
import { KitNet } from './kitnet';
import { PacketAlerts } from './packet-alerts';
import { ByteWriter, closeSnapshot, openSnapshot } from './snapshot';
import { ScoreCalibrator, type ThresholdFit } from './threshold';

export interface PacketDetectorOptions {
  /** Packets 1..trainPackets train the detector; it scores from the next one on. */
  trainPackets: number;
  featureMapFraction?: number;
  calibrationFraction?: number;
  /** Per-packet false-alarm rate the model threshold aims at on benign traffic. */
  targetFalseAlarmRate?: number;
  seed?: number;
  /** KitNET input clipping (kitnet.ts); Infinity reproduces Kitsune-py. */
  clip?: number;
  maxStreams?: number;
  /** Alerts aggregate per subject and behaviour over windows of this many seconds. */
  alertWindowSeconds?: number;
  /**
   * A model exceedance alerts only once its source has `anomalyBurst` exceedances in a damped count with
   * this half-life: one rare benign packet (an ARP refresh, a NetBIOS announcement after minutes of
   * silence) scores high but alone; scans, floods and sweeps come in bursts.
   */
  anomalyHalfLifeSeconds?: number;
  anomalyBurst?: number;
  /**
   * m above which a packet counts towards its source's burst. Above 1 because a spike leaves an echo: the
   * same host's next packets score a little over the threshold while its damped statistics recover.
   */
  anomalyAlertMultiple?: number;
  onAlert?: (alert: DetectionAlert) => void;
}

export interface PacketVerdict {
  frame: number;
  training: boolean;
  /** Combined score (see the file comment); 0 while training. */
  score: number;
  /** KitNET RMSE; 0 while training. */
  modelScore: number;
  /** CONTEXT bit mask. */
  context: number;
  alert: boolean;
}

const SNAPSHOT_MAGIC = 0x43575044; // "CWPD"
const SNAPSHOT_VERSION = 1;

/**
 * Where the phases end (file comment): packets 1..fmPackets map features, calibrationStart+1..T calibrate.
 * Shared with the pipelined detector, which must split the stream at the same packets.
 */
export function packetPhases(
  options: Pick<PacketDetectorOptions, 'trainPackets' | 'featureMapFraction' | 'calibrationFraction'>,
): { fmPackets: number; calibrationStart: number } {
  const t = options.trainPackets;
  if (!Number.isInteger(t) || t < 50)
    throw invalid('the packet detector needs at least 50 training packets', [
      { field: 'trainPackets', message: `got ${t}` },
    ]);
  const fmPackets = Math.max(1, Math.floor((options.featureMapFraction ?? 0.1) * t));
  const ad = t - fmPackets;
  return {
    fmPackets,
    calibrationStart: t - Math.max(1, Math.floor((options.calibrationFraction ?? 0.3) * ad)),
  };
}

/** m = modelScore / threshold; NaN from a non-finite feature is an anomaly, not a pass. */
function modelMultiple(model: number, threshold: number): number {
  const m = model / threshold;
  return m >= 0 ? m : 1e9;
}

/** The combined score of a scored packet (file comment). */
function combinedScore(m: number, hits: number): number {
  let score = m / (1 + m);
  for (let bit = 1; bit <= hits; bit <<= 1) if (hits & bit) score += CONTEXT_WEIGHT[bit];
  return score;
}

/** The burst gate: damped count of model exceedances per source (options.anomalyHalfLifeSeconds). */
class BurstGate {
  /** Source → damped exceedance count and its time. */
  readonly sources = new Map<string, { count: number; time: number }>();
  private readonly decay: number;
  private readonly min: number;

  constructor(options: Pick<PacketDetectorOptions, 'anomalyHalfLifeSeconds' | 'anomalyBurst'>) {
    this.decay = 1 / (options.anomalyHalfLifeSeconds ?? 10);
    this.min = options.anomalyBurst ?? 3;
  }

  /** Counts a model exceedance for the packet's source; true once the source's burst is reached. */
  exceed(p: PacketRecord): boolean {
    const src = p.arpOp !== 0 ? p.arpSenderIp : p.ipVersion !== 0 ? p.srcIp : p.srcMac;
    let b = this.sources.get(src);
    if (b === undefined) {
      if (this.sources.size >= 65_536) this.sources.clear();
      b = { count: 0, time: p.time };
      this.sources.set(src, b);
    }
    const dt = p.time - b.time;
    if (dt > 0) {
      b.count *= 2 ** (-this.decay * dt);
      b.time = p.time;
    }
    b.count += 1;
    return b.count >= this.min;
  }
}

/**
 * What comes after the model, shared by PacketDetector and the pipelined detector so their verdicts agree
 * bit for bit: the threshold's calibration, the combined score, the burst gate and the alerts.
 */
export class PacketJudge {
  readonly calibrator: ScoreCalibrator;
  readonly alerts: PacketAlerts;
  readonly bursts: BurstGate;
  /** Infinity until fit(). */
  threshold = Number.POSITIVE_INFINITY;
  private readonly targetRate: number;
  private readonly alertMultiple: number;
  /** Reused by every call. */
  private readonly verdict: PacketVerdict = {
    frame: 0,
    training: true,
    score: 0,
    modelScore: 0,
    context: 0,
    alert: false,
  };

  constructor(options: PacketDetectorOptions, calibrationPackets: number) {
    this.targetRate = options.targetFalseAlarmRate ?? 1e-4;
    this.alerts = new PacketAlerts(options.alertWindowSeconds ?? 60, options.onAlert);
    this.bursts = new BurstGate(options);
    this.alertMultiple = options.anomalyAlertMultiple ?? 2;
    this.calibrator = new ScoreCalibrator(calibrationPackets);
  }

  /** Fits the threshold to the calibration scores (after the last training packet). */
  fit(): void {
    this.threshold = this.calibrator.finish(this.targetRate).threshold;
  }

  /** The verdict of a training packet. */
  training(frame: number): PacketVerdict {
    const v = this.verdict;
    v.frame = frame;
    v.training = true;
    v.score = 0;
    v.modelScore = 0;
    v.context = 0;
    v.alert = false;
    return v;
  }

  /** The verdict of scored packet n from its model score and context hits; raises its alert, if any. */
  judge(p: PacketRecord, n: number, model: number, hits: number): PacketVerdict {
    const v = this.verdict;
    const m = modelMultiple(model, this.threshold);
    const score = combinedScore(m, hits);
    v.frame = p.frame;
    v.training = false;
    v.modelScore = model;
    v.context = hits;
    v.score = score;
    const burst = m > this.alertMultiple && this.bursts.exceed(p);
    v.alert = burst || hits !== 0;
    if (v.alert) this.alerts.raise(p, burst ? m : 0, hits, score);
    if ((n & 4095) === 0) this.alerts.expire(p.time);
    return v;
  }
}

export class PacketDetector {
  readonly afterImage: AfterImage;
  readonly kitnet: KitNet;
  readonly context: ContextModel;
  readonly calibrator: ScoreCalibrator;
  private readonly features = new Float64Array(FEATURE_COUNT);
  private readonly trainPackets: number;
  private readonly fmPackets: number;
  private readonly calibrationStart: number;
  private processed = 0;
  private contextSummary: ContextSummary | null = null;
  private readonly judge: PacketJudge;

  constructor(private readonly options: PacketDetectorOptions) {
    const phases = packetPhases(options);
    this.trainPackets = options.trainPackets;
    this.fmPackets = phases.fmPackets;
    this.calibrationStart = phases.calibrationStart;
    this.judge = new PacketJudge(options, this.trainPackets - this.calibrationStart);
    this.calibrator = this.judge.calibrator;
    this.afterImage = new AfterImage({ maxStreams: options.maxStreams });
    this.kitnet = new KitNet(FEATURE_COUNT, { seed: options.seed ?? 1, clip: options.clip });
    this.context = new ContextModel();
  }

  /** Packets processed since the model was created (across snapshots). */
  get processedPackets(): number {
    return this.processed;
  }

  get trained(): boolean {
    return this.processed >= this.trainPackets;
  }

  /** The model threshold (Infinity until training ends) and what the context baselines enabled. */
  calibration(): { threshold: number; fit: ThresholdFit | null; context: ContextSummary | null } {
    return { threshold: this.judge.threshold, fit: this.calibrator.fit, context: this.contextSummary };
  }

  /** Processes one packet; the returned verdict object is reused by the next call. */
  process(p: PacketRecord): PacketVerdict {
    const n = ++this.processed;
    const x = this.features;
    this.afterImage.update(p, x);
    if (n <= this.trainPackets) {
      this.context.learn(p);
      if (n <= this.fmPackets) {
        this.kitnet.learnFeatureMap(x);
        if (n === this.fmPackets) this.kitnet.buildEnsemble();
      } else {
        if (n > this.calibrationStart) this.calibrator.add(this.kitnet.scoreThenTrain(x));
        else this.kitnet.train(x);
      }
      if (n === this.trainPackets) {
        this.judge.fit();
        this.contextSummary = this.context.freeze();
      }
      return this.judge.training(p.frame);
    }
    const model = this.kitnet.execute(x);
    return this.judge.judge(p, n, model, this.context.check(p));
  }

  /** Emits every open alert (end of a file or of a stream). */
  flush(): void {
    this.judge.alerts.flush();
  }

  /** The whole state (streams, model, context, threshold, counters), versioned. Open alerts are not kept. */
  snapshot(): Uint8Array {
    const w = new ByteWriter();
    w.u32(SNAPSHOT_MAGIC);
    w.u32(SNAPSHOT_VERSION);
    w.string(JSON.stringify({ ...this.options, onAlert: undefined }));
    w.f64(this.processed);
    w.f64(this.judge.threshold);
    w.string(JSON.stringify(this.contextSummary));
    this.afterImage.write(w);
    this.kitnet.write(w);
    this.context.write(w);
    this.calibrator.write(w);
    const bursts = this.judge.bursts.sources;
    const sources = [...bursts.keys()];
    w.strings(sources);
    w.f64s(Float64Array.from(sources.flatMap((k) => [bursts.get(k)!.count, bursts.get(k)!.time])));
    return w.bytes();
  }

  static restore(
    bytes: Uint8Array,
    hooks: { onAlert?: (alert: DetectionAlert) => void } = {},
  ): PacketDetector {
    const r = openSnapshot(bytes, SNAPSHOT_MAGIC, SNAPSHOT_VERSION, 'packet detector');
    const options = JSON.parse(r.string()) as PacketDetectorOptions;
    const d = new PacketDetector({ ...options, onAlert: hooks.onAlert });
    d.processed = r.f64();
    d.judge.threshold = r.f64();
    d.contextSummary = JSON.parse(r.string()) as ContextSummary | null;
    d.afterImage.read(r);
    d.kitnet.read(r);
    d.context.read(r);
    d.calibrator.read(r);
    const sources = r.strings();
    const counts = r.f64s();
    for (let i = 0; i < sources.length; i++)
      d.judge.bursts.sources.set(sources[i], { count: counts[2 * i], time: counts[2 * i + 1] });
    closeSnapshot(r);
    return d;
  }
}
