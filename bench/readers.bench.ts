/**
 * Reader throughput on the shared real data: pcap decode on the ICS captures (and the same packets
 * re-encoded as pcapng), tshark TSV on the Kitsune trace, Zeek TSV and JSON on IoT-23 Malware-Capture-34-1.
 * Parsing runs from memory (the file is read once before timing) so the figure is the parser's, not the
 * disk's; rows named readPacketFile / readFlowFile time the whole path from disk, format sniffing included.
 */
import { readFileSync } from 'node:fs';
import {
  PcapngReader,
  PcapReader,
  readFlowFile,
  readPacketFile,
  type StreamReader,
  TsharkTsvReader,
  writePcapng,
  ZeekJsonReader,
  ZeekTsvReader,
} from '../src/modules/telemetry';
import { sharedData } from '../test/support/shared-data';

interface Row {
  name: string;
  value: number;
  unit: string;
  target?: string;
  note?: string;
}

const RUNS = 5;
const CHUNK = 256 * 1024;

/** Each timed pass repeats the file until it has run this long, so small files still time steadily. */
const PASS_MS = 250;

/**
 * Best of RUNS timed passes (after one warm-up pass) of feeding `bytes` in 256 KiB chunks to fresh
 * readers; returns records per second and the records in one read of the file.
 */
function best(
  bytes: Uint8Array,
  make: (count: () => void) => StreamReader,
): { perSecond: number; records: number; cpuNsPerRecord: number } {
  let bestRate = 0;
  let bestCpu = Number.POSITIVE_INFINITY;
  let records = 0;
  for (let pass = 0; pass <= RUNS; pass++) {
    let n = 0;
    let reps = 0;
    const count = () => {
      n++;
    };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let elapsed = 0;
    do {
      const reader = make(count);
      for (let at = 0; at < bytes.length; at += CHUNK) reader.push(bytes.subarray(at, at + CHUNK));
      reader.end();
      reps++;
      elapsed = performance.now() - t0;
    } while (elapsed < PASS_MS);
    const cpu = process.cpuUsage(cpu0);
    records = n / reps;
    if (pass > 0) {
      bestRate = Math.max(bestRate, (n / elapsed) * 1000);
      bestCpu = Math.min(bestCpu, ((cpu.user + cpu.system) * 1000) / n);
    }
  }
  return { perSecond: bestRate, records, cpuNsPerRecord: bestCpu };
}

/** Best wall-clock rate of RUNS whole reads from disk (stream, sniff, parse), after one warm-up read. */
async function bestFromDisk(read: () => Promise<number>): Promise<{ perSecond: number; records: number }> {
  let bestRate = 0;
  let records = 0;
  for (let run = 0; run <= RUNS; run++) {
    const t0 = performance.now();
    records = await read();
    const rate = (records / (performance.now() - t0)) * 1000;
    if (run > 0) bestRate = Math.max(bestRate, rate);
  }
  return { perSecond: bestRate, records };
}

/** The raw frames of a classic little-endian pcap, to re-encode the same traffic as pcapng. */
function pcapFrames(bytes: Uint8Array): { time: number; data: Uint8Array; originalLength: number }[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: { time: number; data: Uint8Array; originalLength: number }[] = [];
  for (let at = 24; at + 16 <= bytes.length; ) {
    const cap = v.getUint32(at + 8, true);
    out.push({
      time: v.getUint32(at, true) + v.getUint32(at + 4, true) / 1e6,
      data: bytes.subarray(at + 16, at + 16 + cap),
      originalLength: v.getUint32(at + 12, true),
    });
    at += 16 + cap;
  }
  return out;
}

export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  // Wall-clock rate, plus CPU time per record: on a shared machine the latter is the steadier figure.
  const rate = (
    name: string,
    r: { perSecond: number; records: number; cpuNsPerRecord: number },
    unit: string,
    what: string,
  ) =>
    rows.push({
      name,
      value: Math.round(r.perSecond),
      unit,
      note: `${r.records.toLocaleString('en')} ${what}; ${Math.round(r.cpuNsPerRecord)} ns CPU each; best of ${RUNS} passes`,
    });

  for (const name of [
    'lemay_send_a_fake_command_modbus_6RTU',
    'lemay_DERIVED_benign_then_characterization',
  ]) {
    const path = sharedData(`pcap/${name}.pcap`);
    if (!path) continue;
    const bytes = readFileSync(path);
    rate(
      `pcap decode ${name}`,
      best(bytes, (c) => new PcapReader(c)),
      'packets/s',
      'packets',
    );
    const ng = writePcapng([
      { type: 'shb' },
      { type: 'idb', linkType: 1 },
      ...pcapFrames(bytes).map((f) => ({ type: 'epb' as const, ...f })),
    ]);
    rate(
      `pcapng decode ${name} (re-encoded)`,
      best(ng, (c) => new PcapngReader(c)),
      'packets/s',
      'packets',
    );
    const disk = await bestFromDisk(async () => (await readPacketFile(path, {}, () => {})).packets);
    rows.push({
      name: `readPacketFile ${name} (disk, auto-detect)`,
      value: Math.round(disk.perSecond),
      unit: 'packets/s',
      note: `${disk.records.toLocaleString('en')} packets; best of ${RUNS} reads`,
    });
  }

  const tsv = sharedData('kitsune/mirai_prefix.pcap.tsv');
  if (tsv) {
    rate(
      'tshark TSV kitsune/mirai_prefix',
      best(readFileSync(tsv), (c) => new TsharkTsvReader(c)),
      'packets/s',
      'packets',
    );
    const disk = await bestFromDisk(async () => (await readPacketFile(tsv, {}, () => {})).packets);
    rows.push({
      name: 'readPacketFile kitsune TSV (disk, auto-detect)',
      value: Math.round(disk.perSecond),
      unit: 'packets/s',
      note: `${disk.records.toLocaleString('en')} packets; best of ${RUNS} reads (Kitsune-py extracts ~1,108 packets/s)`,
    });
  }

  const conn = sharedData('iot23/Malware-Capture-34-1.conn.log');
  if (conn) {
    const bytes = readFileSync(conn);
    rate(
      'Zeek TSV Malware-Capture-34-1',
      best(bytes, (c) => new ZeekTsvReader(c)),
      'flows/s',
      'flows',
    );
    const json: string[] = [];
    await readFlowFile(conn, {}, (f) => {
      const row: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(f))
        if (v !== null)
          row[
            k === 'origHost'
              ? 'id.orig_h'
              : k === 'origPort'
                ? 'id.orig_p'
                : k === 'respHost'
                  ? 'id.resp_h'
                  : k === 'respPort'
                    ? 'id.resp_p'
                    : k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
          ] = v;
      json.push(JSON.stringify(row));
    });
    const jsonBytes = new TextEncoder().encode(`${json.join('\n')}\n`);
    rate(
      'Zeek JSON Malware-Capture-34-1 (re-encoded)',
      best(jsonBytes, (c) => new ZeekJsonReader(c)),
      'flows/s',
      'flows',
    );
  }
  if (rows.length === 0) console.warn('readers bench: skipped, ../shared/data is absent');
  return rows;
}
