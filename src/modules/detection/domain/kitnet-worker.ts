/**
 * The KitNET half of the pipelined packet detector (pipelined-detector.ts), run in a worker thread. It
 * holds the KitNet and consumes the feature ring: slot s carries 115 features and an op code; the worker
 * runs the op, writes the resulting score to scores[s] and publishes how many slots it has finished.
 *
 * Imports only kitnet.ts: a worker is a whole isolate, and the module index would pull in the telemetry
 * readers (through the file scoring) and the flow detector, none of which the worker runs. The producer
 * imports this file for the ring layout.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { KitNet } from './kitnet';

/** What the worker does with a slot's features (PacketDetector.process, per phase). */
export const OP = {
  learnFeatureMap: 0,
  /** The last feature-map packet: learn it, then cluster and create the autoencoders. */
  learnFeatureMapThenBuild: 1,
  train: 2,
  scoreThenTrain: 3,
  execute: 4,
} as const;

/** Int32 cells of the control array. head and done count slots (int32, wrapping). */
export const RING = {
  /** Slots published by the producer. */
  head: 0,
  /** Slots finished by the worker (their scores written). */
  done: 1,
  workerWaiting: 2,
  workerBell: 3,
  producerWaiting: 4,
  producerBell: 5,
  stop: 6,
  failed: 7,
  cells: 8,
} as const;

/** Default polls of the other side's counter before sleeping on a bell. */
export const SPIN_ROUNDS = 200;

export interface KitNetRingInit {
  kind: 'kitnet-ring';
  control: SharedArrayBuffer;
  /** capacity × featureCount Float64 */
  features: SharedArrayBuffer;
  /** capacity × Uint8 op codes */
  ops: SharedArrayBuffer;
  /** capacity × Float64 scores */
  scores: SharedArrayBuffer;
  /** The worker's error message, UTF-8, NUL-padded: readable while the producer is blocked on the ring. */
  errorText: SharedArrayBuffer;
  /** A power of two. */
  capacity: number;
  featureCount: number;
  /** The producer is woken once this many slots are free (and the worker once this many are pending). */
  batch: number;
  /** Polls of the other side's counter before sleeping on a bell. */
  spin: number;
  seed: number;
  clip: number | undefined;
  /**
   * Fault injection for the failure paths' tests: 'start' throws before the worker reports ready, a number
   * throws after finishing that many slots (as an out-of-memory or a bug in the model would).
   */
  fault?: 'start' | number;
}

function serve(init: KitNetRingInit): void {
  const control = new Int32Array(init.control);
  const ops = new Uint8Array(init.ops);
  const scores = new Float64Array(init.scores);
  const { capacity, featureCount, batch, spin } = init;
  const mask = capacity - 1;
  /** One preallocated view per slot: the KitNet reads x[0..featureCount). */
  const slots = Array.from(
    { length: capacity },
    (_, s) => new Float64Array(init.features, s * featureCount * 8, featureCount),
  );
  const kitnet = new KitNet(featureCount, { seed: init.seed, clip: init.clip });
  if (init.fault === 'start') throw new Error('injected fault: the KitNET worker fails to start');
  const faultAt = typeof init.fault === 'number' ? init.fault : -1;

  function runOp(op: number, x: Float64Array): number {
    switch (op) {
      case OP.learnFeatureMap:
        kitnet.learnFeatureMap(x);
        return 0;
      case OP.learnFeatureMapThenBuild:
        kitnet.learnFeatureMap(x);
        kitnet.buildEnsemble();
        return 0;
      case OP.train:
        kitnet.train(x);
        return 0;
      case OP.scoreThenTrain:
        return kitnet.scoreThenTrain(x);
      default:
        return kitnet.execute(x);
    }
  }

  /** Wakes the producer if it sleeps on a full ring and enough room is free (or nothing is left to do). */
  function wakeProducer(pending: number): void {
    if (Atomics.load(control, RING.producerWaiting) === 0) return;
    if (pending > capacity - batch && pending !== 0) return;
    Atomics.store(control, RING.producerWaiting, 0);
    Atomics.add(control, RING.producerBell, 1);
    Atomics.notify(control, RING.producerBell);
  }

  function loop(): void {
    // Counters are int32 in the shared array and wrap; only differences are compared.
    let done = 0;
    for (;;) {
      let head = Atomics.load(control, RING.head);
      if (head === done) {
        for (let i = 0; i < spin && head === done; i++) head = Atomics.load(control, RING.head);
        if (head === done) {
          if (Atomics.load(control, RING.stop) !== 0) return;
          const bell = Atomics.load(control, RING.workerBell);
          Atomics.store(control, RING.workerWaiting, 1);
          head = Atomics.load(control, RING.head);
          if (head === done && Atomics.load(control, RING.stop) === 0)
            Atomics.wait(control, RING.workerBell, bell, 1000);
          Atomics.store(control, RING.workerWaiting, 0);
          continue;
        }
      }
      while (done !== head) {
        if (done === faultAt) throw new Error(`injected fault after ${faultAt} slots`);
        const s = done & mask;
        scores[s] = runOp(ops[s], slots[s]);
        done = (done + 1) | 0;
        Atomics.store(control, RING.done, done);
        wakeProducer((head - done) | 0);
      }
    }
  }

  parentPort!.postMessage('ready');
  try {
    loop();
  } catch (e) {
    const text = new TextEncoder().encode(e instanceof Error ? e.message : String(e));
    new Uint8Array(init.errorText).set(text.subarray(0, init.errorText.byteLength));
    Atomics.store(control, RING.failed, 1);
    Atomics.add(control, RING.producerBell, 1);
    Atomics.notify(control, RING.producerBell);
    throw e;
  }
}

// Imported by the producer for the layout above; serves only when started as the ring's worker.
if (!isMainThread && (workerData as KitNetRingInit | undefined)?.kind === 'kitnet-ring')
  serve(workerData as KitNetRingInit);
