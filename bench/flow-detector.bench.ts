/**
 * Flow detector throughput on the IoT-23 conn.logs (Mirai, Hakai, Philips Hue, Amazon Echo) replayed
 * 10 times with timestamps shifted so the stream runs forward in time: flows/s with parsing excluded
 * (records already in memory) and included (the telemetry Zeek reader on every replay), and the
 * packets -> flows -> rules path on the Kitsune benign IoT trace. Peak RSS is the process's.
 *
 * Rates are records per CPU second of this process (user + system), because the 2-core machine is
 * shared and wall time measures the neighbours; the wall-clock rate is given in the note. The timed
 * passes follow one untimed warm-up replay (JIT), as a long-running detector would be.
 */
import { FlowAssembler } from '../src/modules/detection/domain/flow-assembler';
import { FlowDetector } from '../src/modules/detection/domain/flow-detector';
import { copyFlow, type FlowRecord, readFlowFile, readPacketFile } from '../src/modules/telemetry';
import { sharedData } from '../test/support/shared-data';

const FILES = ['Malware-Capture-34-1', 'Malware-Capture-8-1', 'Honeypot-Capture-4-1', 'Honeypot-Capture-5-1'];
const REPLAYS = 10;

type Row = { name: string; value: number; unit: string; target?: string; note?: string };

/** Runs `work` and returns its CPU seconds and wall seconds. */
async function timed(work: () => void | Promise<void>): Promise<{ cpu: number; wall: number }> {
  const c0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
  await work();
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e6, wall: Number(process.hrtime.bigint() - w0) / 1e9 };
}

export async function run(): Promise<Row[]> {
  const paths = FILES.map((f) => sharedData(`iot23/${f}.conn.log`));
  if (paths.some((p) => !p)) return [];
  const logs: FlowRecord[][] = [];
  for (const p of paths) {
    const flows: FlowRecord[] = [];
    await readFlowFile(p!, { format: 'zeek-tsv' }, (f) => flows.push(copyFlow(f)));
    logs.push(flows);
  }
  // Segment offsets: each (replay, file) segment starts one second after the previous one ended.
  const offsets: number[] = [];
  let clock = 0;
  for (let r = 0; r < REPLAYS; r++) {
    for (const flows of logs) {
      const first = flows[0].ts;
      const last = flows[flows.length - 1].ts;
      offsets.push(clock + 1 - first);
      clock = clock + 1 + (last - first);
    }
  }
  const stream: FlowRecord[] = [];
  let seg = 0;
  for (let r = 0; r < REPLAYS; r++) {
    for (const flows of logs) {
      const off = offsets[seg++];
      for (const f of flows) stream.push({ ...f, ts: f.ts + off });
    }
  }

  // Parsing excluded: one untimed warm-up replay, then the timed pass on a fresh detector.
  const warm = new FlowDetector();
  const perReplay = stream.length / REPLAYS;
  for (let i = 0; i < perReplay; i++) warm.score(stream[i]);
  const det = new FlowDetector();
  let alerts = 0;
  const mem = await timed(() => {
    for (const f of stream) if (det.score(f).alert) alerts++;
    det.flush();
  });
  const state = det.stats();

  // Parsing included: read each file with the telemetry reader on every replay.
  const det2 = new FlowDetector();
  let flowsRead = 0;
  const parsed = await timed(async () => {
    seg = 0;
    for (let r = 0; r < REPLAYS; r++) {
      for (const p of paths) {
        const off = offsets[seg++];
        await readFlowFile(p!, { format: 'zeek-tsv' }, (f) => {
          f.ts += off;
          det2.score(f);
          flowsRead++;
        });
      }
    }
    det2.flush();
  });

  const rows: Row[] = [
    {
      name: 'flow detector, IoT-23 x10, parsing excluded',
      value: Math.round(stream.length / mem.cpu),
      unit: 'flows/CPU-s',
      target: '>= 200000',
      note: `${stream.length} flows, ${alerts} alert flows, wall ${Math.round(stream.length / mem.wall)} flows/s, ${state.trackedKeys} keys, ${(state.stateBytes / 2 ** 20).toFixed(1)} MiB state`,
    },
    {
      name: 'flow detector, IoT-23 x10, Zeek TSV parsing included',
      value: Math.round(flowsRead / parsed.cpu),
      unit: 'flows/CPU-s',
      target: '>= 200000',
      note: `${flowsRead} flows, wall ${Math.round(flowsRead / parsed.wall)} flows/s`,
    },
  ];

  const kitsune = sharedData('kitsune/mirai_prefix.pcap.tsv');
  if (kitsune) {
    const det3 = new FlowDetector();
    let flows = 0;
    const asm = new FlowAssembler((f) => {
      det3.score(f);
      flows++;
    });
    let packets = 0;
    const took = await timed(async () => {
      packets = (await readPacketFile(kitsune, { format: 'tsv' }, (p) => asm.push(p))).packets;
      asm.flush();
    });
    rows.push({
      name: 'packets -> flows -> rules, Kitsune benign IoT trace',
      value: Math.round(packets / took.cpu),
      unit: 'packets/CPU-s',
      note: `${packets} packets, ${flows} flows, tshark TSV parsing included, wall ${Math.round(packets / took.wall)} packets/s`,
    });
  }
  rows.push({
    name: 'flow detector bench, peak RSS',
    value: Math.round(process.resourceUsage().maxRSS / 1024),
    unit: 'MiB',
    note: 'whole process, records of 10 replays held in memory',
  });
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run()) console.log(JSON.stringify(r));
}
