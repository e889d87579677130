import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/support/shared-data';
import { buildFrame, ipv4At, modbusAdu, type PcapPacket, writePcap } from '../telemetry';
import { defaultTrainPackets, detectPacketFile, SCORE_CSV_HEADER, scoreRow } from './detect-file';

const dir = mkdtempSync(join(tmpdir(), 'cw-detect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MASTER = { ip: '192.168.1.100', mac: '00:0c:29:00:00:64' };
const slave = (i: number) => ({ ip: `192.168.1.${100 + i}`, mac: `00:0c:29:00:00:0${i}` });

/**
 * Real Modbus/TCP frames: 3 slaves polled every 500 ms for 500 s, and at 450 s slave 1 writes a coil on
 * slave 2. Training covers the first 300 s: three half-lives of the slowest window (λ = 0.01), so the
 * damped weights have nearly settled; shorter training leaves them rising and the model sees the drift.
 */
function capture(): { path: string; attackFrames: number[]; total: number; sources: string[] } {
  const packets: PcapPacket[] = [];
  const data = new Uint8Array(4);
  for (let c = 0; c < 1000; c++) {
    for (let i = 1; i <= 3; i++) {
      const t = 1_700_000_000 + c * 0.5 + i * 0.01;
      const s = slave(i);
      const req = modbusAdu(c & 0xffff, i, 3, data);
      const res = modbusAdu(c & 0xffff, i, 3, Uint8Array.of(2, 0, c % 7));
      packets.push({
        time: t,
        data: buildFrame({
          srcMac: MASTER.mac,
          dstMac: s.mac,
          ip: { src: MASTER.ip, dst: s.ip },
          tcp: { srcPort: 40000 + i, dstPort: 502, flags: 0x18, payload: req },
        }),
      });
      packets.push({
        time: t + 0.001,
        data: buildFrame({
          srcMac: s.mac,
          dstMac: MASTER.mac,
          ip: { src: s.ip, dst: MASTER.ip },
          tcp: { srcPort: 502, dstPort: 40000 + i, flags: 0x18, payload: res },
        }),
      });
    }
  }
  const a = slave(1);
  const b = slave(2);
  const t0 = 1_700_000_000 + 450.25;
  const write = modbusAdu(1, 2, 5, Uint8Array.of(0, 1, 0xff, 0));
  const attack = [
    {
      time: t0,
      data: buildFrame({
        srcMac: a.mac,
        dstMac: b.mac,
        ip: { src: a.ip, dst: b.ip },
        tcp: { srcPort: 51000, dstPort: 502, flags: 0x02 },
      }),
    },
    {
      time: t0 + 0.001,
      data: buildFrame({
        srcMac: b.mac,
        dstMac: a.mac,
        ip: { src: b.ip, dst: a.ip },
        tcp: { srcPort: 502, dstPort: 51000, flags: 0x12 },
      }),
    },
    {
      time: t0 + 0.002,
      data: buildFrame({
        srcMac: a.mac,
        dstMac: b.mac,
        ip: { src: a.ip, dst: b.ip },
        tcp: { srcPort: 51000, dstPort: 502, flags: 0x18, payload: write },
      }),
    },
  ];
  const at = packets.findIndex((p) => p.time > t0);
  packets.splice(at, 0, ...attack);
  const attackFrames = attack.map((_, i) => at + i + 1);
  const path = join(dir, 'modbus.pcap');
  writeFileSync(path, writePcap(packets));
  return { path, attackFrames, total: packets.length, sources: packets.map((p) => ipv4At(p.data, 26)) };
}

describe('detectPacketFile', () => {
  it('writes one protocol row per packet, unscored while training, and alerts on the forged write', async () => {
    const { path, attackFrames, total, sources } = capture();
    const rows: string[] = [SCORE_CSV_HEADER];
    const summary = await detectPacketFile({
      path,
      train: 3600,
      onRow: (id, s, a) => rows.push(scoreRow(id, s, a)),
    });
    expect(summary).toMatchObject({
      format: 'pcap',
      records: total,
      trainPackets: 3600,
      scored: total - 3600,
    });
    expect(rows).toHaveLength(total + 1);
    expect(rows[1]).toBe('1,,');
    expect(rows[3600]).toBe('3600,,');
    expect(rows[3601]).toMatch(/^3601,[0-9.e-]+,[01]$/);
    for (const f of attackFrames) expect(rows[f]).toMatch(/,1$/);
    // Besides the attack, only the two hosts involved may alert: the write stays in their slow (λ = 0.01)
    // statistics for minutes; the master's polling never alerts.
    const alerted = rows
      .slice(1)
      .filter((r) => r.endsWith(',1'))
      .map((r) => Number(r.split(',')[0]));
    for (const f of alerted)
      if (!attackFrames.includes(f)) expect(['192.168.1.101', '192.168.1.102']).toContain(sources[f - 1]);
    expect(alerted.filter((f) => sources[f - 1] === '192.168.1.100')).toEqual([]);
    expect(summary.alertsByTechnique.T0855).toBe(1);
    expect(summary.alerts.find((a) => a.technique.id === 'T0855')?.subject).toBe('192.168.1.101');
  });

  it('trains on a fifth of the file by default', async () => {
    const { path, total } = capture();
    const summary = await detectPacketFile({ path });
    expect(summary.trainPackets).toBe(defaultTrainPackets(total));
    expect(defaultTrainPackets(total)).toBe(Math.max(1000, Math.floor(total / 5)));
    expect(defaultTrainPackets(500)).toBe(500);
    expect(defaultTrainPackets(10_000_000)).toBe(100_000);
  });

  it('writes the same rows, summary and alerts with KitNET in a worker thread as on one thread', async () => {
    const { path } = capture();
    const run = async (pipeline: boolean) => {
      const rows: string[] = [];
      const summary = await detectPacketFile({
        path,
        train: 3600,
        pipeline,
        onRow: (id, s, a) => rows.push(scoreRow(id, s, a)),
      });
      const { seconds, packetsPerSecond, pipelined, ...rest } = summary;
      return { rows, pipelined, rest };
    };
    const one = await run(false);
    const two = await run(true);
    expect([one.pipelined, two.pipelined]).toEqual([false, true]);
    expect(two.rest.pipelineError).toBeNull();
    expect(two.rows).toEqual(one.rows);
    expect(two.rest).toEqual(one.rest);
    expect(one.rest.alerts.length).toBeGreaterThan(0);
  });

  it('keeps a small file on one thread by default', async () => {
    const { path } = capture();
    expect((await detectPacketFile({ path, train: 3600 })).pipelined).toBe(false);
  });

  it('reports a truncated file from the pipelined detector too, after the verdicts of every whole packet', async () => {
    const { path, total } = capture();
    const bytes = readFileSync(path);
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    const run = async (pipeline: boolean) => {
      const rows: string[] = [];
      await expect(
        detectPacketFile({
          path: cut,
          train: 3600,
          pipeline,
          onRow: (id, s, a) => rows.push(scoreRow(id, s, a)),
        }),
      ).rejects.toThrow(/offset|truncat/i);
      return rows;
    };
    const one = await run(false);
    const two = await run(true);
    // Every packet but the cut one was read and judged; none is lost in the worker's ring.
    expect(one).toHaveLength(total - 1);
    expect(two).toEqual(one);
  });

  describe('when the KitNET worker fails', () => {
    /** One thread (fault undefined), or a worker that fails as told. */
    const run = async (fault?: 'start' | number) => {
      const rows: string[] = [];
      const alerts: string[] = [];
      const summary = await detectPacketFile({
        path: capture().path,
        train: 3600,
        pipeline: fault !== undefined,
        pipelineFault: fault,
        onRow: (id, s, a) => rows.push(scoreRow(id, s, a)),
        onAlert: (a) => alerts.push(`${a.subject} ${a.technique.id} ${a.count}`),
      });
      return { rows, alerts, summary };
    };
    const reference = () => run();
    const withFault = (fault: 'start' | number) => run(fault);
    const same = (
      got: Awaited<ReturnType<typeof withFault>>,
      want: Awaited<ReturnType<typeof reference>>,
    ) => {
      expect(got.rows).toEqual(want.rows);
      expect(got.alerts).toEqual(want.alerts);
      const strip = ({ seconds, packetsPerSecond, pipelined, pipelineError, ...rest }: typeof got.summary) =>
        rest;
      expect(strip(got.summary)).toEqual(strip(want.summary));
      expect(got.summary.pipelined).toBe(false);
    };

    it('runs the file on one thread and says why when the worker does not start', async () => {
      const want = await reference();
      const got = await withFault('start');
      same(got, want);
      expect(got.summary.pipelineError).toMatch(/did not start: .*injected fault/);
    });

    it('runs the file again on one thread after a failure mid-file, giving no row or alert twice', async () => {
      const want = await reference();
      expect(want.alerts.length).toBeGreaterThan(0);
      // Past training (3,600), so rows were written and the threshold fitted before the worker dies.
      const got = await withFault(4000);
      same(got, want);
      expect(got.summary.pipelineError).toMatch(
        /KitNET worker failed.*injected fault after 4000 slots.* after \d+ packets; the file was run again on one thread/,
      );
      const delivered = Number(/after (\d+) packets/.exec(got.summary.pipelineError ?? '')?.[1]);
      expect(delivered).toBeGreaterThan(3600);
      expect(delivered).toBeLessThanOrEqual(4000);
    });
  });

  it('refuses a training count the file cannot fill', async () => {
    const { path } = capture();
    await expect(detectPacketFile({ path, train: 100_000 })).rejects.toThrow(/fewer than/);
  });
});

const labelled = sharedData('pcap/lemay_send_a_fake_command_modbus_6RTU.pcap');

describe.skipIf(!labelled)(
  'detectPacketFile on the lemay forged-write capture (PROTOCOL.md, T = 3824)',
  () => {
    it('alerts on all 10 attack packets with at most 0.1 % benign alerts', async () => {
      const labels = readFileSync(labelled!.replace(/\.pcap$/, '.labels.tsv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1);
      const attack = new Set(labels.filter((l) => l.endsWith('\t1')).map((l) => Number(l.split('\t')[0])));
      let tp = 0;
      let fp = 0;
      let benign = 0;
      const summary = await detectPacketFile({
        path: labelled!,
        train: 3824,
        onRow: (id, score, alert) => {
          if (score === undefined) return;
          if (attack.has(id)) tp += alert ? 1 : 0;
          else {
            benign++;
            fp += alert ? 1 : 0;
          }
        },
      });
      expect(summary.records).toBe(11_166);
      expect(tp).toBe(attack.size);
      expect(fp / benign).toBeLessThanOrEqual(0.001);
      expect(summary.alertsByTechnique.T0855).toBeGreaterThanOrEqual(1);
    });
  },
);
