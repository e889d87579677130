/**
 * The packet detector on two threads: AfterImage features, context rules, the burst gate and alerting run
 * on the calling thread, KitNET in a worker (kitnet-worker.ts). The same verdicts as PacketDetector, bit
 * for bit, because each half runs the same code on the same inputs in the same order.
 *
 * The threads share ring buffers (SharedArrayBuffer): per slot 115 features and an op code in, a score
 * out. Each side publishes a counter with an atomic store and only sleeps (Atomics.wait on a bell) after
 * spinning on an empty (worker) or full (caller) ring; a sleeping worker is rung once `batch` slots are
 * waiting, so there is no postMessage and no allocation per packet.
 *
 * Readers reuse their packet objects, so what a verdict needs later is copied at push time into the
 * slot's preallocated record (frame, time, addresses, ports, flags: what the burst gate and
 * PacketAlerts.raise read). The context check runs at push time too (it does not depend on the model).
 * The threshold is fitted when the calibration packets' scores come back; meanwhile the caller keeps
 * computing features of later packets, whose verdicts wait for their scores and are delivered in order.
 *
 * Snapshots stay on the sequential PacketDetector (the model lives in the worker).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { emptyPacket, type PacketRecord } from '../../telemetry';
import { AfterImage, FEATURE_COUNT } from './afterimage';
import { ContextModel, type ContextSummary } from './context-rules';
import { type KitNetRingInit, OP, RING, SPIN_ROUNDS } from './kitnet-worker';
import { type PacketDetectorOptions, PacketJudge, type PacketVerdict, packetPhases } from './packet-detector';
import type { ScoreCalibrator, ThresholdFit } from './threshold';

export interface PipelinedPacketDetectorOptions extends PacketDetectorOptions {
  /** Called for every packet, in push order, with a verdict object reused by the next call. */
  onVerdict?: (verdict: PacketVerdict) => void;
  /** Ring slots (a power of two). */
  capacity?: number;
  /** A sleeping side is woken once this many slots are ready for it. */
  batch?: number;
  /** Polls of the other side's counter before sleeping. */
  spin?: number;
  /** How the worker loads its code; 'bundle' (default) falls back to 'tsx' if esbuild fails. */
  loader?: WorkerLoader;
  /** Fault injection for tests of the failure paths (KitNetRingInit.fault). */
  fault?: 'start' | number;
}

/** The KitNET worker failed or stalled after it started; the verdicts delivered before it stand. */
export class KitNetWorkerError extends Error {
  override name = 'KitNetWorkerError';
}

/** How the worker gets kitnet-worker.ts as JavaScript (see workerSource). */
export type WorkerLoader = 'bundle' | 'tsx';

/** esbuild's build API, as far as it is used here (esbuild comes with tsx). */
interface Esbuild {
  build(options: Record<string, unknown>): Promise<{ outputFiles: { text: string }[] }>;
  stop(): void | Promise<void>;
}

/** How long the caller waits for a worker that finishes nothing before it gives up. */
const STALL_MS = 60_000;

const bundles = new Map<WorkerLoader, Promise<string>>();

/**
 * The worker's code. 'bundle': kitnet-worker.ts with kitnet.ts and its imports bundled to one CommonJS
 * script by esbuild (the compiler tsx itself runs), built once per process; the worker then loads no
 * compiler, ~11 MiB less resident than 'tsx'. 'tsx': tsx's require hook, then the .ts files (Node 20 does
 * not carry `--import tsx` loader hooks into worker threads; a require hook lives in its own thread).
 */
function workerSource(loader: WorkerLoader): Promise<string> {
  let source = bundles.get(loader);
  if (!source) {
    source = loader === 'bundle' ? bundleWorker() : Promise.resolve(tsxBootstrap());
    bundles.set(loader, source);
    source.catch(() => bundles.delete(loader));
  }
  return source;
}

const workerFile = () => fileURLToPath(new URL('./kitnet-worker.ts', import.meta.url));

async function bundleWorker(): Promise<string> {
  const tsx = createRequire(import.meta.url).resolve('tsx/package.json');
  const esbuild = createRequire(tsx)('esbuild') as Esbuild;
  try {
    const out = await esbuild.build({
      entryPoints: [workerFile()],
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      write: false,
      logLevel: 'silent',
    });
    return out.outputFiles[0].text;
  } finally {
    await esbuild.stop(); // its service process; a later caller restarts it
  }
}

function tsxBootstrap(): string {
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  return `require(${JSON.stringify(tsx)}).register();\nrequire(${JSON.stringify(workerFile())});\n`;
}

export class PipelinedPacketDetector {
  readonly afterImage: AfterImage;
  readonly context: ContextModel;
  readonly calibrator: ScoreCalibrator;
  private readonly worker: Worker;
  private readonly control: Int32Array;
  private readonly ops: Uint8Array;
  private readonly scores: Float64Array;
  /** Slot views into the shared feature ring. */
  private readonly slots: Float64Array[];
  /** Per slot: the packet fields a verdict needs, and the context hits. */
  private readonly records: PacketRecord[];
  private readonly hits: Int32Array;
  private readonly capacity: number;
  private readonly mask: number;
  private readonly batch: number;
  private readonly spin: number;
  private readonly trainPackets: number;
  private readonly fmPackets: number;
  private readonly calibrationStart: number;
  private readonly judge: PacketJudge;
  private readonly onVerdict?: (verdict: PacketVerdict) => void;
  /** Packets pushed and packets whose verdict was delivered (plain counts; the ring's are int32). */
  private pushed = 0;
  private resolved = 0;
  private contextSummary: ContextSummary | null = null;
  private finished = false;
  /** Where the worker writes its error message before it raises the failed flag. */
  private readonly errorText: SharedArrayBuffer;

  private constructor(options: PipelinedPacketDetectorOptions, worker: Worker, init: KitNetRingInit) {
    this.errorText = init.errorText;
    const phases = packetPhases(options);
    this.trainPackets = options.trainPackets;
    this.fmPackets = phases.fmPackets;
    this.calibrationStart = phases.calibrationStart;
    this.judge = new PacketJudge(options, this.trainPackets - this.calibrationStart);
    this.calibrator = this.judge.calibrator;
    this.afterImage = new AfterImage({ maxStreams: options.maxStreams });
    this.context = new ContextModel();
    this.onVerdict = options.onVerdict;
    this.worker = worker;
    this.capacity = init.capacity;
    this.mask = init.capacity - 1;
    this.batch = init.batch;
    this.spin = init.spin;
    this.control = new Int32Array(init.control);
    this.ops = new Uint8Array(init.ops);
    this.scores = new Float64Array(init.scores);
    this.slots = Array.from(
      { length: init.capacity },
      (_, s) => new Float64Array(init.features, s * FEATURE_COUNT * 8, FEATURE_COUNT),
    );
    this.records = Array.from({ length: init.capacity }, emptyPacket);
    this.hits = new Int32Array(init.capacity);
  }

  /** Starts the worker; rejects (so the caller can fall back to PacketDetector) if it cannot start. */
  static async start(options: PipelinedPacketDetectorOptions): Promise<PipelinedPacketDetector> {
    packetPhases(options); // validates before a thread is spent
    const capacity = options.capacity ?? 1024;
    if (!Number.isInteger(Math.log2(capacity)) || capacity < 2)
      throw new Error(`ring capacity must be a power of two, got ${capacity}`);
    const init: KitNetRingInit = {
      kind: 'kitnet-ring',
      control: new SharedArrayBuffer(RING.cells * 4),
      features: new SharedArrayBuffer(capacity * FEATURE_COUNT * 8),
      ops: new SharedArrayBuffer(capacity),
      scores: new SharedArrayBuffer(capacity * 8),
      errorText: new SharedArrayBuffer(512),
      capacity,
      featureCount: FEATURE_COUNT,
      batch: Math.min(options.batch ?? 128, capacity >> 1),
      spin: options.spin ?? SPIN_ROUNDS,
      seed: options.seed ?? 1,
      clip: options.clip,
      fault: options.fault,
    };
    const loader = options.loader ?? 'bundle';
    const source = await workerSource(loader).catch((e) => {
      if (loader === 'bundle') return workerSource('tsx');
      throw e;
    });
    const worker = new Worker(source, {
      eval: true,
      workerData: init,
      // The caller's own flags (loaders, probes) are not the worker's business.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 2 },
    });
    try {
      await new Promise<void>((resolve, reject) => {
        worker.once('message', (m) => (m === 'ready' ? resolve() : reject(new Error(String(m)))));
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`KitNET worker exited with ${code} before starting`)));
      });
    } catch (e) {
      await worker.terminate();
      throw e;
    }
    worker.removeAllListeners();
    // A worker error after the start shows as the ring's failed flag (its message in errorText); keep it
    // from crashing the process.
    worker.on('error', () => {});
    worker.unref();
    return new PipelinedPacketDetector(options, worker, init);
  }

  /** Verdicts delivered so far (packets 1..delivered, in push order). */
  get delivered(): number {
    return this.resolved;
  }

  private workerError(what: string): KitNetWorkerError {
    const bytes = new Uint8Array(this.errorText);
    const end = bytes.indexOf(0);
    // A copy: TextDecoder does not read shared memory.
    const message = new TextDecoder().decode(bytes.slice(0, end < 0 ? bytes.length : end));
    return new KitNetWorkerError(message ? `${what}: ${message}` : what);
  }

  /** As PacketDetector.calibration(); the threshold is Infinity until the last calibration score is back. */
  calibration(): { threshold: number; fit: ThresholdFit | null; context: ContextSummary | null } {
    return { threshold: this.judge.threshold, fit: this.calibrator.fit, context: this.contextSummary };
  }

  /** Queues one packet (copied; the caller may reuse it) and delivers every verdict that is ready. */
  push(p: PacketRecord): void {
    if (this.finished) throw new Error('push after finish');
    if (this.pushed - this.resolved >= this.capacity) this.waitForRoom();
    const s = this.pushed & this.mask;
    const n = this.pushed + 1;
    this.afterImage.update(p, this.slots[s]);
    const r = this.records[s];
    r.frame = p.frame;
    r.time = p.time;
    r.srcMac = p.srcMac;
    r.dstMac = p.dstMac;
    r.ipVersion = p.ipVersion;
    r.srcIp = p.srcIp;
    r.dstIp = p.dstIp;
    r.protocol = p.protocol;
    r.srcPort = p.srcPort;
    r.dstPort = p.dstPort;
    r.tcpFlags = p.tcpFlags;
    r.icmpType = p.icmpType;
    r.arpOp = p.arpOp;
    r.arpSenderMac = p.arpSenderMac;
    r.arpSenderIp = p.arpSenderIp;
    r.arpTargetIp = p.arpTargetIp;
    r.appFunction = p.appFunction;
    let op: number;
    if (n <= this.trainPackets) {
      this.context.learn(p);
      if (n <= this.fmPackets) op = n === this.fmPackets ? OP.learnFeatureMapThenBuild : OP.learnFeatureMap;
      else op = n > this.calibrationStart ? OP.scoreThenTrain : OP.train;
      if (n === this.trainPackets) this.contextSummary = this.context.freeze();
      this.hits[s] = 0;
    } else {
      op = OP.execute;
      this.hits[s] = this.context.check(p);
    }
    this.ops[s] = op;
    this.pushed = n;
    Atomics.store(this.control, RING.head, n | 0);
    if (
      Atomics.load(this.control, RING.workerWaiting) !== 0 &&
      n - this.resolved - this.finishedByWorker() >= this.batch
    )
      this.ringWorker();
    this.deliver(Atomics.load(this.control, RING.done));
  }

  /** Slots the worker finished beyond the delivered ones (its counter is int32 and wraps). */
  private finishedByWorker(): number {
    return (Atomics.load(this.control, RING.done) - (this.resolved | 0)) | 0;
  }

  private ringWorker(): void {
    Atomics.store(this.control, RING.workerWaiting, 0);
    Atomics.add(this.control, RING.workerBell, 1);
    Atomics.notify(this.control, RING.workerBell);
  }

  /** Blocks until the worker has finished at least one more slot than delivered, and delivers. */
  private waitForResults(): void {
    const c = this.control;
    let done = Atomics.load(c, RING.done);
    for (let i = 0; i < this.spin && done === (this.resolved | 0); i++) done = Atomics.load(c, RING.done);
    // A worker that dies without a word (out of memory) cannot tell this blocked thread: its exit event
    // needs the event loop. No KitNET step takes anywhere near STALL_MS.
    let idle = 0;
    while (done === (this.resolved | 0)) {
      if (Atomics.load(c, RING.failed) !== 0) throw this.workerError('the KitNET worker failed');
      if (idle >= STALL_MS)
        throw this.workerError(`the KitNET worker made no progress for ${STALL_MS / 1000} s`);
      const bell = Atomics.load(c, RING.producerBell);
      Atomics.store(c, RING.producerWaiting, 1);
      this.ringWorker();
      done = Atomics.load(c, RING.done);
      if (done === (this.resolved | 0) && Atomics.wait(c, RING.producerBell, bell, 1000) === 'timed-out')
        idle += 1000;
      Atomics.store(c, RING.producerWaiting, 0);
      done = Atomics.load(c, RING.done);
    }
    this.deliver(done);
  }

  private waitForRoom(): void {
    while (this.pushed - this.resolved >= this.capacity) this.waitForResults();
  }

  /** Delivers verdicts in order up to the worker's `done` counter. */
  private deliver(done: number): void {
    let ready = (done - (this.resolved | 0)) | 0;
    while (ready-- > 0) {
      const s = this.resolved & this.mask;
      const n = ++this.resolved;
      const r = this.records[s];
      let v: PacketVerdict;
      if (n <= this.trainPackets) {
        if (n > this.calibrationStart) this.calibrator.add(this.scores[s]);
        if (n === this.trainPackets) this.judge.fit();
        v = this.judge.training(r.frame);
      } else {
        v = this.judge.judge(r, n, this.scores[s], this.hits[s]);
      }
      this.onVerdict?.(v);
    }
  }

  /** Stops the worker without delivering what is pending (the caller failed, e.g. a truncated file). */
  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    Atomics.store(this.control, RING.stop, 1);
    this.ringWorker();
    await this.worker.terminate();
  }

  /** Delivers every pending verdict, emits every open alert and stops the worker. */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    try {
      this.ringWorker();
      while (this.resolved < this.pushed) this.waitForResults();
      this.judge.alerts.flush();
    } finally {
      Atomics.store(this.control, RING.stop, 1);
      this.ringWorker();
      await this.worker.terminate();
    }
  }
}
