import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../../test/support/shared-data';
import { emptyPacket, type PacketRecord, readPacketFile } from '../../telemetry';
import type { DetectionAlert } from './alert';
import { PacketDetector, type PacketDetectorOptions, type PacketVerdict } from './packet-detector';
import { forgedWrite, modbusPolling, renumber } from './packet-test-support';
import { PipelinedPacketDetector } from './pipelined-detector';

/** Every verdict field of every packet, floats kept as their bits. */
class Verdicts {
  frame: number[] = [];
  training: boolean[] = [];
  score: number[] = [];
  modelScore: number[] = [];
  context: number[] = [];
  alert: boolean[] = [];
  add(v: PacketVerdict) {
    this.frame.push(v.frame);
    this.training.push(v.training);
    this.score.push(v.score);
    this.modelScore.push(v.modelScore);
    this.context.push(v.context);
    this.alert.push(v.alert);
  }
}

type Feed = (push: (p: PacketRecord) => void) => Promise<void>;

async function runBoth(
  feed: Feed,
  options: PacketDetectorOptions,
  ring: { capacity?: number; batch?: number; loader?: 'bundle' | 'tsx' } = {},
) {
  const seqAlerts: DetectionAlert[] = [];
  const seq = new PacketDetector({ ...options, onAlert: (a) => seqAlerts.push(structuredClone(a)) });
  const a = new Verdicts();
  await feed((p) => a.add(seq.process(p)));
  seq.flush();

  const pipeAlerts: DetectionAlert[] = [];
  const b = new Verdicts();
  const pipe = await PipelinedPacketDetector.start({
    ...options,
    ...ring,
    onAlert: (x) => pipeAlerts.push(structuredClone(x)),
    onVerdict: (v) => b.add(v),
  });
  await feed((p) => pipe.push(p));
  await pipe.finish();
  return { a, b, seqAlerts, pipeAlerts, seq: seq.calibration(), pipe: pipe.calibration() };
}

/** Compares field by field with Object.is: the same bits (and the same NaNs), in the same order. */
function expectIdentical(r: Awaited<ReturnType<typeof runBoth>>) {
  expect(r.b.frame.length).toBe(r.a.frame.length);
  for (const key of ['frame', 'training', 'score', 'modelScore', 'context', 'alert'] as const) {
    const x = r.a[key];
    const y = r.b[key];
    const first = x.findIndex((v, i) => !Object.is(v, y[i]));
    expect(first, `${key} differs first at packet ${first + 1}: ${x[first]} vs ${y[first]}`).toBe(-1);
  }
  expect(r.pipeAlerts).toEqual(r.seqAlerts);
  expect(Object.is(r.pipe.threshold, r.seq.threshold)).toBe(true);
  expect(r.pipe.fit).toEqual(r.seq.fit);
  expect(r.pipe.context).toEqual(r.seq.context);
}

/** The packets of a capture file, as detect reads them. */
function fromFile(path: string, format: 'pcap' | 'tsv'): Feed {
  return async (push) => {
    await readPacketFile(path, { format }, push);
  };
}

/** Hands out every packet through ONE reused object, as the file readers do. */
function reusing(packets: PacketRecord[]): Feed {
  return async (push) => {
    const reused = emptyPacket();
    for (const p of packets) push(Object.assign(reused, p));
  };
}

function synthetic(): PacketRecord[] {
  const normal = modbusPolling(0, 600);
  const attack = [...forgedWrite(60.05), ...forgedWrite(61.3)];
  const after = modbusPolling(60.5, 300, 4, 99); // a fourth slave: a new talker and new pairs
  return renumber([...normal, ...attack, ...after].sort((x, y) => x.time - y.time));
}

describe('PipelinedPacketDetector', () => {
  it('gives the sequential verdicts, scores and alerts bit for bit on a synthetic capture', async () => {
    const r = await runBoth(reusing(synthetic()), { trainPackets: 1200, seed: 3 });
    expectIdentical(r);
    expect(r.a.training.filter((t) => !t).length).toBeGreaterThan(3000);
    expect(r.a.alert.some((x) => x)).toBe(true);
    expect(r.seqAlerts.map((a) => a.technique.id)).toContain('T0855');
  });

  it('stays identical when the ring is tiny (the caller blocks on a full ring, counters wrap slots)', async () => {
    const r = await runBoth(reusing(synthetic()), { trainPackets: 600 }, { capacity: 4, batch: 2 });
    expectIdentical(r);
  });

  it('stays identical when the worker loads the TypeScript through tsx instead of a bundle', async () => {
    const r = await runBoth(reusing(synthetic()), { trainPackets: 900 }, { loader: 'tsx' });
    expectIdentical(r);
  });

  it('refuses too few training packets before starting a thread', async () => {
    await expect(PipelinedPacketDetector.start({ trainPackets: 10 })).rejects.toThrow(/at least 50/);
  });

  for (const name of [
    'lemay_DERIVED_benign_then_characterization',
    'lemay_send_a_fake_command_modbus_6RTU',
  ]) {
    const path = sharedData(`pcap/${name}.pcap`);
    it.skipIf(!path)(
      `gives the sequential verdicts and alerts bit for bit on ${name} (T = 3824)`,
      async () => {
        const r = await runBoth(fromFile(path!, 'pcap'), { trainPackets: 3824 });
        expectIdentical(r);
        expect(r.a.frame.length).toBeGreaterThan(10_000);
        expect(r.seqAlerts.length).toBeGreaterThan(0);
      },
    );
  }

  const trace = sharedData('kitsune/mirai_prefix.pcap.tsv');
  it.skipIf(!trace)('gives the sequential scores bit for bit on the Kitsune trace', async () => {
    const r = await runBoth(fromFile(trace!, 'tsv'), { trainPackets: 7672 });
    expectIdentical(r);
    expect(r.a.frame.length).toBe(38_363);
  });
});
