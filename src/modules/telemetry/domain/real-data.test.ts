import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../../test/support/shared-data';
import { readFlowFile, readPacketFile } from './files';
import type { PacketRecord } from './records';

/** Data rows of a text file, counted independently of the readers. */
function dataLines(path: string, isData: (line: string) => boolean): string[] {
  return readFileSync(path, 'utf8').split('\n').filter(isData);
}

function labels(path: string): Map<number, number> {
  const rows = dataLines(path, (l) => /^\d+\t\d$/.test(l));
  return new Map(rows.map((l) => l.split('\t').map(Number) as [number, number]));
}

const ICS = [
  // Brief and data README: 11,166 and 23,462 packets; the label files (one row per frame) are the truth.
  { name: 'lemay_send_a_fake_command_modbus_6RTU', packets: 11_166 },
  { name: 'lemay_DERIVED_benign_then_characterization', packets: 23_462 },
];

for (const ics of ICS) {
  const pcap = sharedData(`pcap/${ics.name}.pcap`);
  const labelFile = sharedData(`pcap/${ics.name}.labels.tsv`);
  describe.skipIf(!pcap || !labelFile)(`ICS capture ${ics.name}`, () => {
    it('reads every packet, one per labelled frame, with Modbus function codes', async () => {
      const label = labels(labelFile!);
      const benign = new Map<number, number>();
      const attack = new Map<number, number>();
      let outOfOrder = 0;
      let last = 0;
      let modbusPort = 0;
      const result = await readPacketFile(pcap!, {}, (p: PacketRecord) => {
        if (p.frame !== last + 1) outOfOrder++;
        last = p.frame;
        if (p.srcPort === 502 || p.dstPort === 502) modbusPort++;
        const counts = label.get(p.frame) === 1 ? attack : benign;
        counts.set(p.appFunction, (counts.get(p.appFunction) ?? 0) + 1);
      });
      expect(outOfOrder).toBe(0);
      expect(result).toEqual({ format: 'pcap', packets: label.size });
      expect(result.packets).toBe(ics.packets);
      expect(modbusPort).toBeGreaterThan(result.packets * 0.9);
      // Benign polling reads coils (1), discrete inputs (2) and holding registers (3).
      for (const fc of [1, 2, 3]) expect(benign.get(fc) ?? 0).toBeGreaterThan(100);
      // Exception responses (function code | 0x80) never occur in benign polling.
      expect([...benign.keys()].filter((fc) => fc >= 0x80)).toEqual([]);
      if (ics.name.includes('fake_command')) {
        // The attack is a forged Write Single Coil (5).
        expect(attack.get(5) ?? 0).toBeGreaterThan(0);
      } else {
        // Reconnaissance probes function codes and draws exception responses.
        expect([...attack.keys()].filter((fc) => fc >= 0x80).length).toBeGreaterThan(0);
      }
    });
  });
}

const kitsune = sharedData('kitsune/mirai_prefix.pcap.tsv');
describe.skipIf(!kitsune)('Kitsune tshark TSV', () => {
  it('reads one packet per data row (38,363) in time order', async () => {
    const rows = dataLines(kitsune!, (l) => /^\d/.test(l));
    const protocols = new Map<number, number>();
    let arp = 0;
    let v6 = 0;
    let previous = 0;
    const result = await readPacketFile(kitsune!, {}, (p) => {
      protocols.set(p.protocol, (protocols.get(p.protocol) ?? 0) + 1);
      if (p.arpOp > 0) arp++;
      if (p.ipVersion === 6) v6++;
      previous = p.time;
    });
    expect(result).toEqual({ format: 'tsv', packets: rows.length });
    expect(result.packets).toBe(38_363);
    expect(previous).toBe(Number(rows[rows.length - 1].split('\t')[0]));
    const filled = (col: number) => rows.filter((r) => r.split('\t')[col] !== '').length;
    expect(arp).toBe(filled(12)); // arp.opcode
    expect(v6).toBe(filled(17)); // ipv6.src
    expect(protocols.get(1)).toBe(filled(10)); // icmp.type
  });
});

const CAPTURES = [
  { name: 'Malware-Capture-34-1', flows: 23_145 },
  { name: 'Malware-Capture-8-1', flows: 10_403 },
  { name: 'Honeypot-Capture-4-1', flows: 452 },
  { name: 'Honeypot-Capture-5-1', flows: 1_374 },
];

for (const capture of CAPTURES) {
  const log = sharedData(`iot23/${capture.name}.conn.log`);
  const labelCsv = sharedData(`iot23/${capture.name}.labels.csv`);
  describe.skipIf(!log || !labelCsv)(`IoT-23 ${capture.name}`, () => {
    it('reads every flow, each matching a labelled uid', async () => {
      const rows = dataLines(log!, (l) => l.length > 0 && !l.startsWith('#'));
      const labelled = new Set(dataLines(labelCsv!, (l) => /^C/.test(l)).map((l) => l.split(',')[0]));
      const uids = new Set<string>();
      let tcp = 0;
      const result = await readFlowFile(log!, {}, (f) => {
        uids.add(f.uid);
        if (f.proto === 'tcp') tcp++;
      });
      expect(result).toEqual({ format: 'zeek-tsv', flows: rows.length });
      expect(result.flows).toBe(capture.flows);
      expect(uids.size).toBe(labelled.size);
      expect([...uids].every((u) => labelled.has(u))).toBe(true);
      expect(tcp).toBe(rows.filter((r) => r.split('\t')[6] === 'tcp').length);
    });
  });
}
