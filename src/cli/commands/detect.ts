/**
 * `coverwatch detect FILE --scores OUT.csv`: scores a packet capture or a Zeek conn.log offline and writes
 * one row per record `id,score,alert` (shared/eval/PROTOCOL.md), so the result can be scored against
 * labels with eval/score.mjs. Packet files go to the packet detector (per-packet scores, the first
 * `--train` packets only train); Zeek logs go to the flow detector (every flow scored online).
 */
import { closeSync, existsSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { AppError, invalid, isAppError } from '../../core';
import {
  type DetectionAlert,
  detectFlowFile,
  detectPacketFile,
  flowScoreRow,
  SCORE_CSV_HEADER,
  scoreRow,
} from '../../modules/detection';
import { type FileFormat, sniffFormat } from '../../modules/telemetry';
import { printJson } from '../output';

const FORMATS = ['auto', 'pcap', 'pcapng', 'tsv', 'zeek'] as const;
type FormatOption = (typeof FORMATS)[number];
const PACKET_FORMATS: readonly FileFormat[] = ['pcap', 'pcapng', 'tsv'];
const TOP_ALERTS = 20;
/** Rows are gathered into a buffer this large before a write, so a million-row file is not a million writes. */
const WRITE_BUFFER_BYTES = 256 * 1024;

export interface DetectOptions {
  format?: FormatOption;
  train?: number;
  baseline?: string;
  scores: string;
  /** Called every few thousand records (progress bar). */
  onProgress?: (records: number) => void;
}

export interface AlertLine {
  subject: string;
  behaviour: string;
  technique: string;
  techniqueName: string;
  severity: string;
  count: number;
  summary: string;
}

export interface DetectSummary {
  file: string;
  detector: 'packet' | 'flow';
  format: FileFormat;
  records: number;
  /** Packets that only trained (packet detector); 0 for flows. */
  trainRecords: number;
  scored: number;
  alertRecords: number;
  alertsByTechnique: Record<string, number>;
  /** Aggregated alerts (subject x behaviour x window) the detector emitted. */
  alertCount: number;
  recordsPerSecond: number;
  seconds: number;
  /** Packet files: whether KitNET ran in a worker thread, and why not when one was wanted. */
  threads?: { pipelined: boolean; error: string | null };
  /** Packet files: connection records assembled from the packets and run through the flow rules. */
  flows?: { records: number; alertRecords: number } | null;
  baseline: { path: string; flows: number } | null;
  scores: string;
  /** The largest aggregated alerts by record count, at most 20. */
  alerts: AlertLine[];
}

function sniffPath(path: string): FileFormat {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const f = sniffFormat(buf.subarray(0, n));
    if (f === null)
      throw invalid(`${path}: not a packet capture (pcap, pcapng, tshark TSV) or Zeek conn.log`, [
        { path, offset: 0, field: 'format', message: 'unrecognised format' },
      ]);
    return f;
  } finally {
    closeSync(fd);
  }
}

/** The file's format from `--format`, checked against what its first bytes say for 'zeek'. */
function resolveFormat(path: string, option: FormatOption): FileFormat {
  if (option === 'auto') return sniffPath(path);
  if (option === 'zeek') {
    const f = sniffPath(path);
    if (f !== 'zeek-tsv' && f !== 'zeek-json')
      throw invalid(`${path} looks like ${f}, not a Zeek conn.log`, [
        { path, offset: 0, field: 'format', message: `sniffed ${f}` },
      ]);
    return f;
  }
  return option;
}

function requireFile(path: string, what: string): void {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new AppError('not_found', `${what} ${path} not found`, [{ path, message: 'no such file' }]);
  }
  if (!isFile) throw invalid(`${what} ${path} is not a regular file`, [{ path, message: 'not a file' }]);
}

/**
 * Row writer to a temporary file that only replaces OUT when the whole run succeeded. Rows are copied into
 * one reused byte buffer as they come and written synchronously when it fills, so no row string is kept
 * and nothing queues in a stream (peak RSS measured the same as the earlier batched-string stream).
 */
class ScoreWriter {
  private readonly tmp: string;
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
  private used = 0;
  private closed = false;

  constructor(private readonly path: string) {
    this.tmp = `${path}.${process.pid}.partial`;
    this.fd = openSync(this.tmp, 'w');
    this.push(SCORE_CSV_HEADER);
  }

  push(row: string): void {
    // A row is ASCII: at most one byte per character, plus the newline.
    if (this.used + row.length + 1 > this.buf.length) this.flush();
    this.used += this.buf.write(row, this.used, 'latin1');
    this.buf[this.used++] = 0x0a;
  }

  private flush(): void {
    let at = 0;
    while (at < this.used) at += writeSync(this.fd, this.buf, at, this.used - at);
    this.used = 0;
  }

  /** Writes out the buffered rows (unless `flush` is false) and closes the file; only the first call acts. */
  private close(flush: boolean): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (flush) this.flush();
    } finally {
      closeSync(this.fd);
    }
  }

  async commit(): Promise<void> {
    this.close(true);
    renameSync(this.tmp, this.path);
  }

  /**
   * After bad input: keeps the rows of every record before it as `OUT.partial` (OUT itself, perhaps the
   * result of an earlier good run, is left alone) and returns that path.
   */
  keepPartial(): string {
    const partial = `${this.path}.partial`;
    this.close(true);
    renameSync(this.tmp, partial);
    return partial;
  }

  async abort(): Promise<void> {
    try {
      this.close(false);
    } finally {
      rmSync(this.tmp, { force: true });
    }
  }
}

function alertLines(alerts: DetectionAlert[]): AlertLine[] {
  return [...alerts]
    .sort((a, b) => b.count - a.count || a.firstSeen - b.firstSeen)
    .slice(0, TOP_ALERTS)
    .map((a) => ({
      subject: a.subject,
      behaviour: a.behaviour,
      technique: a.technique.id,
      techniqueName: a.technique.name,
      severity: a.severity,
      count: a.count,
      summary: a.summary,
    }));
}

/** Runs the detector that fits FILE and writes the score rows to `options.scores`. */
export async function detectFile(file: string, options: DetectOptions): Promise<DetectSummary> {
  requireFile(file, 'input file');
  if (options.baseline !== undefined) requireFile(options.baseline, 'baseline file');
  const format = resolveFormat(file, options.format ?? 'auto');
  const isPacket = PACKET_FORMATS.includes(format);
  if (isPacket && options.baseline !== undefined)
    throw invalid('--baseline applies to Zeek flow logs; a packet file trains on its first --train packets', [
      { field: 'baseline', message: 'not for packet files' },
    ]);
  if (!isPacket && options.train !== undefined)
    throw invalid('--train applies to packet files; flows are scored online from the first one', [
      { field: 'train', message: 'not for flow logs' },
    ]);

  const outDir = dirname(resolve(options.scores));
  if (!existsSync(outDir))
    throw new AppError('not_found', `folder ${outDir} for --scores not found`, [
      { field: 'scores', message: 'no such folder' },
    ]);
  const writer = new ScoreWriter(options.scores);
  let records = 0;
  const tick = () => {
    records++;
    if ((records & 0x1fff) === 0) options.onProgress?.(records);
  };
  try {
    let summary: DetectSummary;
    if (isPacket) {
      const s = await detectPacketFile({
        path: file,
        format: format as 'pcap' | 'pcapng' | 'tsv',
        train: options.train,
        onRow: (id, score, alert) => {
          writer.push(scoreRow(id, score, alert));
          tick();
        },
      });
      summary = {
        file,
        detector: 'packet',
        format: s.format,
        records: s.records,
        trainRecords: s.trainPackets,
        scored: s.scored,
        alertRecords: s.alertPackets,
        alertsByTechnique: s.alertsByTechnique,
        alertCount: s.alerts.length,
        recordsPerSecond: Math.round(s.packetsPerSecond),
        seconds: +s.seconds.toFixed(3),
        threads: { pipelined: s.pipelined, error: s.pipelineError },
        flows: s.flows,
        baseline: null,
        scores: options.scores,
        alerts: alertLines(s.alerts),
      };
    } else {
      const s = await detectFlowFile({
        path: file,
        format,
        baseline: options.baseline,
        onRow: (id, score, alert) => {
          writer.push(flowScoreRow(id, score, alert));
          tick();
        },
      });
      summary = {
        file,
        detector: 'flow',
        format: s.format,
        records: s.records,
        trainRecords: 0,
        scored: s.records,
        alertRecords: s.alertRecords,
        alertsByTechnique: s.alertsByTechnique,
        alertCount: s.alerts.length,
        recordsPerSecond: s.flowsPerSecond,
        seconds: +s.seconds.toFixed(3),
        baseline: s.baseline ? { path: s.baseline.path, flows: s.baseline.flows } : null,
        scores: options.scores,
        alerts: alertLines(s.alerts),
      };
    }
    await writer.commit();
    return summary;
  } catch (e) {
    // Bad input after some records: what was read before it is kept, and the error says where.
    if (isAppError(e) && e.kind === 'invalid' && records > 0) {
      const partial = writer.keepPartial();
      e.details.push({
        path: partial,
        field: 'scores',
        message: `the ${records} rows scored before the error are kept in ${partial}`,
      });
    } else await writer.abort();
    throw e;
  }
}

function printSummary(s: DetectSummary): void {
  const unit = s.detector === 'packet' ? 'packets' : 'flows';
  console.log(`${s.file}: ${s.records} ${unit} (${s.format}, ${s.detector} detector)`);
  if (s.trainRecords) console.log(`  trained on ${s.trainRecords}, scored ${s.scored}`);
  if (s.baseline) console.log(`  baseline: ${s.baseline.flows} flows from ${s.baseline.path}`);
  console.log(`  ${s.alertRecords} ${unit} marked alert, ${s.alertCount} alerts`);
  if (s.flows)
    console.log(
      `  ${s.flows.records} connections assembled from the packets, ${s.flows.alertRecords} of them part of a flow-rule alert`,
    );
  for (const [t, n] of Object.entries(s.alertsByTechnique).sort((a, b) => b[1] - a[1]))
    console.log(`    ${t.padEnd(10)} ${n}`);
  const threads = s.threads?.pipelined ? ', KitNET in a worker thread' : '';
  console.log(`  ${s.recordsPerSecond} ${unit}/s (${s.seconds} s${threads})`);
  if (s.threads?.error) console.log(`  one thread: ${s.threads.error}`);
  console.log(`  scores: ${s.scores}`);
  if (s.alerts.length) {
    console.log(`top ${s.alerts.length} alerts:`);
    console.log(`  ${'subject'.padEnd(40)} ${'behaviour'.padEnd(34)} ${'technique'.padEnd(10)} count`);
    for (const a of s.alerts)
      console.log(`  ${a.subject.padEnd(40)} ${a.behaviour.padEnd(34)} ${a.technique.padEnd(10)} ${a.count}`);
  }
}

export function registerDetect(
  program: Command,
  run: (fn: () => Promise<void>, json?: boolean) => Promise<void>,
) {
  program
    .command('detect')
    .argument('<file>', 'pcap, pcapng, tshark TSV (Kitsune layout) or Zeek conn.log (TSV or JSON)')
    .option('--format <format>', FORMATS.join(' | '), 'auto')
    .option('--train <packets>', 'packet files: packets 1..N only train (default: a fifth of the file)')
    .option('--baseline <file>', 'flow logs: a benign Zeek log learned before scoring')
    .requiredOption('--scores <out.csv>', 'write one row per record: id,score,alert')
    .option('--json', 'machine-readable summary')
    .description('score a capture or flow log offline; alerts summarised, scores written as CSV')
    .action(
      (
        file: string,
        o: { format: string; train?: string; baseline?: string; scores: string; json?: boolean },
      ) =>
        run(async () => {
          if (!(FORMATS as readonly string[]).includes(o.format))
            throw invalid(`--format must be one of ${FORMATS.join(', ')}`, [
              { field: 'format', message: o.format },
            ]);
          let train: number | undefined;
          if (o.train !== undefined) {
            train = Number(o.train);
            if (!Number.isInteger(train) || train < 1)
              throw invalid('--train must be a positive whole number of packets', [
                { field: 'train', message: o.train },
              ]);
          }
          const bar =
            !o.json && process.stderr.isTTY
              ? new SingleBar({ format: 'detecting {value} records', stream: process.stderr })
              : null;
          bar?.start(0, 0);
          let summary: DetectSummary;
          try {
            summary = await detectFile(file, {
              format: o.format as FormatOption,
              train,
              baseline: o.baseline,
              scores: o.scores,
              onProgress: (n) => bar?.update(n),
            });
          } finally {
            bar?.stop();
          }
          if (o.json) printJson(summary);
          else printSummary(summary);
        }, o.json),
    );
}
