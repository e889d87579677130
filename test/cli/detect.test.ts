import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLOW_BEHAVIOURS } from '../../src/modules/detection';
import { F } from '../../src/modules/detection/domain/flow-test-support';
import { buildFrame, type PcapPacket, writePcap } from '../../src/modules/telemetry';
import { cameraPolling } from '../support/captures';
import { repoRoot, sharedData } from '../support/shared-data';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Rows after the header, split into [id, score, alert]. */
function scoreRows(path: string): string[][] {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  expect(lines[0]).toBe('id,score,alert');
  return lines.slice(1).map((l) => l.split(','));
}

const dir = mkdtempSync(join(tmpdir(), 'cw-detect-'));
const TRAIN = 1200;

/**
 * Two minutes of a camera polling its NVR every 50 ms, then a host sweeping TCP ports 1..600 of the
 * camera's neighbourhood: enough packets to train and a scan the detector should name.
 */
function scanCapture(): Uint8Array {
  const packets: PcapPacket[] = cameraPolling(1_700_000_000, 2400);
  let t = packets[packets.length - 1].time;
  for (let port = 1; port <= 600; port++) {
    t += 0.002;
    packets.push({
      time: t,
      data: buildFrame({
        srcMac: '02:00:00:00:00:66',
        dstMac: '02:00:00:00:00:0a',
        ip: { src: '10.0.0.66', dst: `10.0.0.${1 + (port % 50)}` },
        tcp: { srcPort: 40_000, dstPort: port, flags: 0x02 },
      }),
    });
  }
  return writePcap(packets);
}

/**
 * The camera polling of scanCapture for two minutes, then 50 SSH logins from one host to the NVR, a
 * session every 3 s: real frames of whole TCP conversations (handshake, banner, password, refusal, close).
 */
function sshGuessingCapture(): Uint8Array {
  const packets: PcapPacket[] = cameraPolling(1_700_000_000, 2400);
  const t = packets[packets.length - 1].time;
  const frame = (src: string, dst: string, sp: number, dp: number, flags: number, len: number) =>
    buildFrame({
      srcMac: src === '10.0.0.66' ? '02:00:00:00:00:66' : '02:00:00:00:00:0b',
      dstMac: src === '10.0.0.66' ? '02:00:00:00:00:0b' : '02:00:00:00:00:66',
      ip: { src, dst },
      tcp: { srcPort: sp, dstPort: dp, flags, payload: new Uint8Array(len) },
    });
  const { SYN, ACK, PSH, FIN } = F;
  for (let i = 0; i < 50; i++) {
    const sp = 51_000 + i;
    const steps: [boolean, number, number][] = [
      [true, SYN, 0],
      [false, SYN | ACK, 0],
      [true, ACK, 0],
      [false, PSH | ACK, 40],
      [true, PSH | ACK, 600],
      [false, PSH | ACK, 80],
      [true, FIN | ACK, 0],
      [false, FIN | ACK, 0],
      [true, ACK, 0],
    ];
    let u = t + 3 * (i + 1);
    for (const [fromClient, flags, len] of steps) {
      u += 0.01;
      packets.push({
        time: u,
        data: fromClient
          ? frame('10.0.0.66', '10.0.0.20', sp, 22, flags, len)
          : frame('10.0.0.20', '10.0.0.66', 22, sp, flags, len),
      });
    }
  }
  return writePcap(packets);
}

describe('coverwatch detect', () => {
  const pcap = join(dir, 'scan.pcap');
  const bytes = scanCapture();
  writeFileSync(pcap, bytes);

  it('writes one row per packet, empty scores while training, and a JSON summary', async () => {
    const out = join(dir, 'scan.csv');
    const r = await cli(['detect', pcap, '--train', String(TRAIN), '--scores', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    const rows = scoreRows(out);
    expect(summary.detector).toBe('packet');
    expect(summary.records).toBe(3000);
    expect(rows).toHaveLength(summary.records);
    expect(rows.map((r) => Number(r[0]))).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    for (const [, score, alert] of rows.slice(0, TRAIN)) expect([score, alert]).toEqual(['', '']);
    for (const [, score, alert] of rows.slice(TRAIN)) {
      expect(Number.isFinite(Number(score)) && score !== '').toBe(true);
      expect(['0', '1']).toContain(alert);
    }
    const alerted = rows.filter((r) => r[2] === '1').length;
    expect(summary.alertRecords).toBe(alerted);
    expect(summary.scored).toBe(3000 - TRAIN);
    // The sweep comes from a host never seen in training: at least one alert must name it.
    expect(summary.alerts.some((a: { subject: string }) => a.subject === '10.0.0.66')).toBe(true);
    const byTechnique = Object.values(summary.alertsByTechnique as Record<string, number>);
    expect(byTechnique.reduce((a, b) => a + b, 0)).toBe(summary.alertCount);
  }, 120_000);

  it('prints a readable summary with the alert table', async () => {
    const out = join(dir, 'scan-text.csv');
    const r = await cli(['detect', pcap, '--train', String(TRAIN), '--scores', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3000 packets');
    expect(r.stdout).toMatch(/top \d+ alerts:/);
    expect(r.stdout).toContain('10.0.0.66');
  }, 120_000);

  it('exits 3 on a truncated capture, names the byte offset and keeps the rows of every whole packet', async () => {
    const cut = join(dir, 'cut.pcap');
    // Cut inside the data of the last packet: the reader must say where that record starts.
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    const whole = await cli(['detect', pcap, '--train', String(TRAIN), '--scores', join(dir, 'whole.csv')]);
    expect(whole.code).toBe(0);
    const wholeRows = scoreRows(join(dir, 'whole.csv'));
    // With --train, and with the default training (the count pass stops at the same break).
    for (const train of [['--train', String(TRAIN)], []]) {
      const out = join(dir, `cut${train.length}.csv`);
      writeFileSync(out, 'id,score,alert\n1,0.1,0\n'); // an earlier run's result stays untouched
      const r = await cli(['detect', cut, ...train, '--scores', out]);
      expect(r.code).toBe(3);
      const lastRecord = bytes.length - (16 + 54); // SYN frame: 14 Ethernet + 20 IP + 20 TCP
      expect(r.stderr).toContain(`byte ${lastRecord}`);
      expect(r.stderr).toContain(`rows scored before the error are kept in ${out}.partial`);
      expect(readFileSync(out, 'utf8')).toBe('id,score,alert\n1,0.1,0\n');
      const kept = scoreRows(`${out}.partial`);
      expect(kept).toHaveLength(wholeRows.length - 1);
      if (train.length) expect(kept).toEqual(wholeRows.slice(0, -1));
    }
  }, 120_000);

  it('names an SSH brute force in a capture: its packets are assembled into connections for the flow rules', async () => {
    const ssh = join(dir, 'ssh.pcap');
    writeFileSync(ssh, sshGuessingCapture());
    const out = join(dir, 'ssh.csv');
    const r = await cli(['detect', ssh, '--train', String(TRAIN), '--scores', out, '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.detector).toBe('packet');
    expect(scoreRows(out)).toHaveLength(2400 + 50 * 9);
    // One connection per login, plus the camera's one long session.
    expect(summary.flows.records).toBe(51);
    expect(summary.flows.alertRecords).toBeGreaterThan(0);
    const bf = summary.alerts.find((a: { behaviour: string }) => a.behaviour === 'bruteforce');
    expect(bf).toMatchObject({ subject: '10.0.0.66', technique: 'T1110' });
    expect(summary.alertsByTechnique.T1110).toBe(1);
    // The recorder's polling is no connection-level behaviour (the packet model may still find its
    // statistics changed while the camera answers the logins).
    const flowAlerts = summary.alerts.filter((a: { behaviour: string }) =>
      (FLOW_BEHAVIOURS as readonly string[]).includes(a.behaviour),
    );
    expect(flowAlerts.map((a: { subject: string }) => a.subject)).toEqual(['10.0.0.66']);
  }, 120_000);

  it('exits 4 when the file is missing and 3 when the format is unknown', async () => {
    const missing = await cli(['detect', join(dir, 'nope.pcap'), '--scores', join(dir, 'x.csv')]);
    expect(missing.code).toBe(4);
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, 'hello, this is not a capture\n');
    const unknown = await cli(['detect', junk, '--scores', join(dir, 'y.csv'), '--json']);
    expect(unknown.code).toBe(3);
    expect(JSON.parse(unknown.stdout).error.details[0].offset).toBe(0);
  }, 120_000);

  const modbus = sharedData('pcap/lemay_send_a_fake_command_modbus_6RTU.pcap');
  describe.skipIf(!modbus)('on the real Modbus capture', () => {
    it('scores every packet after T = 3824 and none before', async () => {
      const out = join(dir, 'modbus.csv');
      const r = await cli(['detect', modbus as string, '--train', '3824', '--scores', out, '--json']);
      expect(r.code).toBe(0);
      const summary = JSON.parse(r.stdout);
      const rows = scoreRows(out);
      expect(rows).toHaveLength(summary.records);
      const labels = readFileSync((modbus as string).replace(/\.pcap$/, '.labels.tsv'), 'utf8')
        .trimEnd()
        .split('\n');
      expect(rows).toHaveLength(labels.length - 1);
      expect(rows.slice(0, 3824).every((r) => r[1] === '')).toBe(true);
      expect(rows.slice(3824).every((r) => r[1] !== '')).toBe(true);
    }, 120_000);
  });

  const hue = sharedData('iot23/Honeypot-Capture-4-1.conn.log');
  describe.skipIf(!hue)('on a Zeek conn.log', () => {
    it('writes one row per flow keyed by uid, in file order', async () => {
      const out = join(dir, 'hue.csv');
      const r = await cli(['detect', hue as string, '--scores', out, '--json']);
      expect(r.code).toBe(0);
      const summary = JSON.parse(r.stdout);
      expect(summary.detector).toBe('flow');
      const rows = scoreRows(out);
      const uids = readFileSync(hue as string, 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.split('\t')[1]);
      expect(summary.records).toBe(uids.length);
      expect(rows.map((r) => r[0])).toEqual(uids);
      expect(rows.filter((r) => r[2] === '1')).toHaveLength(summary.alertRecords);
    }, 120_000);

    it('refuses --train on a flow log', async () => {
      const r = await cli(['detect', hue as string, '--train', '10', '--scores', join(dir, 'z.csv')]);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('--train');
    }, 120_000);
  });
});

describe('what `coverwatch detect` loads', () => {
  /** Packages a child process resolves while it imports `entry` (an ESM resolve hook prints each). */
  function packagesLoadedBy(entry: string): Promise<Set<string>> {
    const hooks = `data:text/javascript,${encodeURIComponent(
      'export async function resolve(s, c, next) { const r = await next(s, c);' +
        " const m = /node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(r.url); if (m) process.stderr.write('PKG ' + m[1] + '\\n');" +
        ' return r; }',
    )}`;
    const register = `data:text/javascript,${encodeURIComponent(
      `import { register } from 'node:module'; register(${JSON.stringify(hooks)});`,
    )}`;
    return new Promise((resolve, reject) => {
      const p = spawn(
        process.execPath,
        [
          '--import',
          register,
          '--import',
          'tsx',
          '-e',
          `await import(${JSON.stringify(join(repoRoot, entry))})`,
        ],
        { cwd: repoRoot },
      );
      let stderr = '';
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code) =>
        code === 0
          ? resolve(new Set([...stderr.matchAll(/^PKG (\S+)$/gm)].map((m) => m[1])))
          : reject(new Error(`exit ${code}: ${stderr.slice(0, 500)}`)),
      );
    });
  }

  // The database, HTTP and validation layers cost ~15-30 MiB of peak RSS that a file-in, scores-out run
  // never uses (issue #3: detect <= 150 MiB). The alerts module, not the detection engine, holds them.
  const server = ['drizzle-orm', 'zod', 'fastify', '@electric-sql/pglite', 'pg', 'aedes', 'mqtt'];

  it('loads no database, HTTP or MQTT package for the detect command', async () => {
    const loaded = await packagesLoadedBy('src/cli/commands/detect.ts');
    expect(loaded.has('commander') || loaded.has('cli-progress')).toBe(true);
    expect(server.filter((p) => loaded.has(p))).toEqual([]);
  }, 120_000);

  it('does load them for the alerts module (the check sees what it looks for)', async () => {
    const loaded = await packagesLoadedBy('src/modules/alerts/index.ts');
    expect(loaded.has('drizzle-orm')).toBe(true);
  }, 120_000);
});
