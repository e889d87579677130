import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/support/shared-data';
import { isAppError } from '../../core/errors';
import { buildFrame, type FlowRecord, type PcapPacket, readPacketFile, writePcap } from '../telemetry';
import { detectFlowFile, flowScoreRow } from './detect-flows';
import { FlowAssembler } from './domain/flow-assembler';

const T0 = 1_700_000_000;
const SYN = 0x02;
const ACK = 0x10;
const RST = 0x04;
const FIN = 0x01;
const PSH = 0x08;

function tempFile(name: string, data: Uint8Array | string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cw-flows-'));
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

describe('detectFlowFile on packet captures', () => {
  it('assembles a pcap of a telnet scan and SSH guessing into flows and names both', async () => {
    const pkts: PcapPacket[] = [];
    const tcp = (
      time: number,
      src: string,
      sp: number,
      dst: string,
      dp: number,
      flags: number,
      payload = 0,
    ) =>
      pkts.push({
        time,
        data: buildFrame({
          ip: { src, dst },
          tcp: { srcPort: sp, dstPort: dp, flags, payload: new Uint8Array(payload) },
        }),
      });
    for (let i = 0; i < 300; i++)
      tcp(T0 + i * 0.05, '192.168.1.195', 20000 + i, `41.${i >> 8}.${i & 255}.9`, 23, SYN);
    for (let i = 0; i < 40; i++) {
      const t = T0 + 100 + i * 3;
      const sp = 50000 + i;
      tcp(t, '10.0.0.66', sp, '10.0.0.5', 22, SYN);
      tcp(t + 0.001, '10.0.0.5', 22, '10.0.0.66', sp, SYN | ACK);
      tcp(t + 0.002, '10.0.0.66', sp, '10.0.0.5', 22, ACK);
      tcp(t + 0.01, '10.0.0.5', 22, '10.0.0.66', sp, PSH | ACK, 40);
      tcp(t + 0.02, '10.0.0.66', sp, '10.0.0.5', 22, PSH | ACK, 500);
      tcp(t + 0.5, '10.0.0.66', sp, '10.0.0.5', 22, FIN | ACK);
      tcp(t + 0.501, '10.0.0.5', 22, '10.0.0.66', sp, FIN | ACK);
      tcp(t + 0.502, '10.0.0.66', sp, '10.0.0.5', 22, ACK);
    }
    tcp(T0 + 300, '10.0.0.66', 1, '10.0.0.5', 22, RST);
    const path = tempFile('scan.pcap', writePcap(pkts));
    const rows: string[] = [];
    const s = await detectFlowFile({
      path,
      onRow: (id, score, alert) => rows.push(flowScoreRow(id, score, alert)),
    });
    expect(s.format).toBe('pcap');
    expect(s.packets).toBe(pkts.length);
    expect(s.records).toBe(300 + 40 + 1);
    expect(rows).toHaveLength(s.records);
    expect(s.alertsByBehaviour.port_scan_horizontal).toBe(1);
    expect(s.alertsByBehaviour.bruteforce).toBe(1);
    expect(s.alertsByTechnique.T1046).toBeGreaterThanOrEqual(1);
    expect(s.alertsByTechnique.T1110).toBe(1);
    expect(s.baseline).toBeNull();
  });

  it('rejects a file that is neither a flow log nor a capture, naming the offset', async () => {
    const path = tempFile('junk.bin', 'hello, not a log\n');
    let err: unknown;
    try {
      await detectFlowFile({ path });
    } catch (e) {
      err = e;
    }
    expect(isAppError(err) && err.kind).toBe('invalid');
    expect(isAppError(err) && err.details[0].offset).toBe(0);
  });
});

const mirai = sharedData('iot23/Malware-Capture-34-1.conn.log');
const echo = sharedData('iot23/Honeypot-Capture-5-1.conn.log');

describe.skipIf(!mirai || !echo)('detectFlowFile on IoT-23 conn.log', () => {
  it('writes one row per flow (id = Zeek uid) and reports alerts by technique and the baseline it used', async () => {
    const rows: string[] = [];
    const s = await detectFlowFile({
      path: mirai!,
      baseline: echo!,
      onRow: (id, score, alert) => rows.push(flowScoreRow(id, score, alert)),
    });
    const uids = readFileSync(mirai!, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split('\t')[1]);
    expect(s.format).toBe('zeek-tsv');
    expect(s.records).toBe(uids.length);
    expect(rows.map((r) => r.split(',')[0])).toEqual(uids);
    expect(rows.every((r) => /^[^,]+,(0|1)\.\d{4},[01]$/.test(r))).toBe(true);
    expect(s.baseline).toMatchObject({ path: echo, format: 'zeek-tsv' });
    expect(s.baseline?.flows).toBeGreaterThan(1000);
    expect(s.alertRecords).toBeGreaterThan(0.85 * s.records);
    expect(s.alertsByTechnique.T1571).toBeGreaterThan(0);
    expect(s.alertsByTechnique.T1499).toBeGreaterThan(0);
    expect(s.alerts.length).toBe(Object.values(s.alertsByTechnique).reduce((a, b) => a + b, 0));
    expect(s.flowsPerSecond).toBeGreaterThan(0);
  });
});

const ics = sharedData('pcap/lemay_send_a_fake_command_modbus_6RTU.pcap');

describe.skipIf(!ics)('flows from a real ICS capture (Modbus/TCP polling)', () => {
  it('assembles the HMI polls as complete Modbus connections and raises no flow alert', async () => {
    const flows: FlowRecord[] = [];
    const asm = new FlowAssembler((f) => flows.push(f));
    const read = await readPacketFile(ics!, { format: 'pcap' }, (p) => asm.push(p));
    asm.flush();
    const polls = flows.filter((f) => f.respPort === 502);
    expect(polls.length).toBeGreaterThan(1000);
    const complete = polls.filter((f) => f.connState === 'SF' && f.history?.startsWith('ShAD'));
    expect(complete.length / polls.length).toBeGreaterThan(0.99);
    expect(polls.every((f) => f.service === 'modbus')).toBe(true);
    const packetsInFlows = flows.reduce((n, f) => n + (f.origPkts ?? 0) + (f.respPkts ?? 0), 0);
    expect(packetsInFlows).toBeLessThanOrEqual(read.packets);

    const s = await detectFlowFile({ path: ics! });
    expect(s.records).toBe(flows.length);
    expect(s.alerts).toEqual([]);
  });
});

const kitsune = sharedData('kitsune/mirai_prefix.pcap.tsv');

describe.skipIf(!kitsune)('flows from the benign prefix of the Kitsune Mirai capture', () => {
  it('raises no beacon on the cameras calling clouds that never answer (nothing outside answers)', async () => {
    // The TSV has no TCP flags and no packet from an external host: every external flow is unanswered,
    // DNS to 8.8.8.8 included. The cameras retry their vendor servers on a timer (8280, 21047, 10240).
    let external = 0;
    let answered = 0;
    let elevated = 0;
    const asm = new FlowAssembler((f) => {
      if (!f.respHost.startsWith('192.168.')) {
        external++;
        if ((f.respPkts ?? 0) > 0) answered++;
      }
    });
    await readPacketFile(kitsune!, { format: 'tsv' }, (p) => asm.push(p));
    asm.flush();
    expect(external).toBeGreaterThan(1000);
    expect(answered).toBe(0);

    const s = await detectFlowFile({
      path: kitsune!,
      onRow: (_id, score) => (score >= 0.4 ? elevated++ : 0),
    });
    expect(s.records).toBeGreaterThan(6000);
    expect(s.alertRecords).toBe(0);
    expect(s.alerts).toEqual([]);
    // Not ignored either: the regular keep-alives to odd ports still score above ordinary traffic.
    expect(elevated).toBeGreaterThan(100);
  });
});
