import { describe, expect, it } from 'vitest';
import { CONN_LOG_FIELDS, connLogFromFlows, feed, invalidError, sampleFlows } from './fixtures.test-support';
import type { FlowRecord } from './records';
import { isoSeconds, ZeekJsonReader } from './zeek-json';
import { ZeekTsvReader } from './zeek-tsv';

const enc = new TextEncoder();
const readTsv = (text: string, chunks?: number[]) =>
  feed<FlowRecord>((on) => new ZeekTsvReader(on), enc.encode(text), chunks);
const readJson = (text: string, chunks?: number[]) =>
  feed<FlowRecord>((on) => new ZeekJsonReader(on), enc.encode(text), chunks);

// The header block and two rows as they appear in shared/data/iot23/Malware-Capture-34-1.conn.log.
const REAL = `#separator \\x09
#set_separator\t,
#empty_field\t(empty)
#unset_field\t-
#path\tconn
#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents
#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]
1545403816.870900\tCZVKY732XLLAUm01ci\t192.168.1.1\t40831\t192.168.1.195\t22\ttcp\t-\t502.919185\t952\t17192\tSF\t-\t-\t0\tDdAtaFf\t200\t11444\t184\t28048\t-
1545403824.181240\tCY9lJW3gh1Eje4usP6\t192.168.1.195\t41040\t185.244.25.235\t80\ttcp\t-\t-\t-\t-\tS0\t-\t-\t0\tS\t1\t60\t0\t0\t-
#close
`;

describe('ZeekTsvReader', () => {
  it('maps real conn.log rows by #fields, unset values to null', () => {
    const { records, error } = readTsv(REAL);
    expect(error).toBeNull();
    expect(records).toEqual([
      {
        uid: 'CZVKY732XLLAUm01ci',
        ts: 1545403816.8709,
        origHost: '192.168.1.1',
        origPort: 40831,
        respHost: '192.168.1.195',
        respPort: 22,
        proto: 'tcp',
        service: null,
        duration: 502.919185,
        origBytes: 952,
        respBytes: 17192,
        connState: 'SF',
        localOrig: null,
        localResp: null,
        missedBytes: 0,
        history: 'DdAtaFf',
        origPkts: 200,
        origIpBytes: 11444,
        respPkts: 184,
        respIpBytes: 28048,
      },
      expect.objectContaining({
        uid: 'CY9lJW3gh1Eje4usP6',
        duration: null,
        origBytes: null,
        respBytes: null,
        connState: 'S0',
      }),
    ]);
  });

  it('round-trips flows written by an independent writer, for any chunking', () => {
    const flows = sampleFlows(40);
    const text = connLogFromFlows(flows);
    const { records, error } = readTsv(text);
    expect(error).toBeNull();
    expect(records).toEqual(flows);
    expect(readTsv(text, [1]).records).toEqual(flows);
    expect(readTsv(text.replaceAll('\n', '\r\n'), [5, 77]).records).toEqual(flows);
  });

  it('maps by name when columns are reordered or missing, leaving absent optional fields null', () => {
    const flows = sampleFlows(6);
    const fields = [
      'id.resp_p',
      'proto',
      'id.orig_h',
      'ts',
      'id.resp_h',
      'id.orig_p',
      'history',
      'extra_field',
    ];
    const { records, error } = readTsv(connLogFromFlows(flows, fields));
    expect(error).toBeNull();
    records.forEach((r, i) => {
      expect(r).toMatchObject({
        ts: flows[i].ts,
        origHost: flows[i].origHost,
        respPort: flows[i].respPort,
        history: flows[i].history,
      });
      expect(r.uid).toBe('');
      expect(r.duration).toBeNull();
      expect(r.localOrig).toBeNull();
    });
  });

  it('honours the declared separator, unset and empty markers and \\x escapes', () => {
    const text = [
      '#separator \\x7c',
      '#unset_field|NA',
      '#empty_field|EMPTY',
      '#fields|ts|uid|id.orig_h|id.orig_p|id.resp_h|id.resp_p|proto|service|history|local_orig',
      '10.5|Cx|10.0.0.1|1|10.0.0.2|2|udp|NA|EMPTY|T',
      '11|Cy|10.0.0.1|1|10.0.0.2|2|udp|a\\x7cb|-|F',
      '12|Cz|10.0.0.1|1|10.0.0.2|2|udp|caf\\xc3\\xa9|naïve|F',
    ].join('\n');
    const { records, error } = readTsv(text);
    expect(error).toBeNull();
    expect(records[0]).toMatchObject({ ts: 10.5, service: null, history: '', localOrig: true });
    expect(records[1]).toMatchObject({ service: 'a|b', history: '-', localOrig: false });
    expect(records[2]).toMatchObject({ service: 'café', history: 'naïve' });
  });

  it('starts over at a new header block (concatenated logs)', () => {
    const a = sampleFlows(3);
    const text =
      connLogFromFlows(a) +
      connLogFromFlows(a, ['ts', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto']);
    const { records } = readTsv(text);
    expect(records.length).toBe(6);
    expect(records[3].uid).toBe('');
    expect(records[3].connState).toBeNull();
  });

  it('names the line and field of a bad value and keeps earlier flows', () => {
    const lines = connLogFromFlows(sampleFlows(4)).split('\n');
    const firstRow = lines.findIndex((l) => !l.startsWith('#'));
    const col = (name: string) => CONN_LOG_FIELDS.indexOf(name);
    const cases: [string, string][] = [
      ['id.orig_p', '65536'],
      ['ts', '-'],
      ['ts', '12:00'],
      ['orig_bytes', '-3'],
      ['local_orig', 'yes'],
      ['id.resp_h', '-'],
    ];
    for (const [field, value] of cases) {
      const copy = [...lines];
      const cells = copy[firstRow + 2].split('\t');
      cells[col(field)] = value;
      copy[firstRow + 2] = cells.join('\t');
      const { records, error } = readTsv(copy.join('\n'));
      const e = invalidError(error);
      expect(e.details[0], `${field}=${value}`).toMatchObject({ line: firstRow + 3, field });
      expect(records.length).toBe(2);
    }
  });

  it('rejects rows before #fields, wrong column counts and a #fields without required names', () => {
    expect(invalidError(readTsv('1\tC\n').error).details[0]).toMatchObject({ line: 1, field: '#fields' });
    const short = REAL.replace('\t28048\t-\n', '\t28048\n');
    expect(invalidError(readTsv(short).error).details[0]).toMatchObject({ line: 8, field: 'columns' });
    expect(invalidError(readTsv('#fields\tts\tuid\n').error).details[0]).toMatchObject({
      line: 1,
      field: '#fields',
    });
    expect(invalidError(readTsv('#separator ,,\n').error).details[0]).toMatchObject({
      line: 1,
      field: '#separator',
    });
  });
});

describe('ZeekJsonReader', () => {
  const toJson = (f: FlowRecord): string => {
    const row: Record<string, unknown> = {
      ts: f.ts,
      uid: f.uid,
      'id.orig_h': f.origHost,
      'id.orig_p': f.origPort,
      'id.resp_h': f.respHost,
      'id.resp_p': f.respPort,
      proto: f.proto,
      service: f.service,
      duration: f.duration,
      orig_bytes: f.origBytes,
      resp_bytes: f.respBytes,
      conn_state: f.connState,
      local_orig: f.localOrig,
      local_resp: f.localResp,
      missed_bytes: f.missedBytes,
      history: f.history,
      orig_pkts: f.origPkts,
      orig_ip_bytes: f.origIpBytes,
      resp_pkts: f.respPkts,
      resp_ip_bytes: f.respIpBytes,
    };
    // Zeek leaves unset fields out of a JSON record.
    for (const k of Object.keys(row)) if (row[k] === null) delete row[k];
    return JSON.stringify(row);
  };

  it('reads what Zeek writes with LogAscii::use_json, unset fields absent', () => {
    const flows = sampleFlows(30);
    const text = `${flows.map(toJson).join('\n')}\n`;
    const { records, error } = readJson(text);
    expect(error).toBeNull();
    expect(records).toEqual(flows);
    expect(readJson(text, [1]).records).toEqual(flows);
  });

  it('accepts ISO 8601 timestamps with microseconds and a nested id object', () => {
    const line =
      '{"ts":"2018-12-21T15:50:16.870900Z","uid":"C1","id":{"orig_h":"10.0.0.1","orig_p":5,"resp_h":"10.0.0.2","resp_p":80},"proto":"tcp"}';
    const { records, error } = readJson(line);
    expect(error).toBeNull();
    expect(records[0].ts).toBeCloseTo(1545407416.8709, 6);
    expect(records[0]).toMatchObject({ origHost: '10.0.0.1', origPort: 5, respPort: 80, duration: null });
    expect(isoSeconds('2018-12-21T16:50:16.5+01:00')).toBe(1545407416.5);
    expect(isoSeconds('yesterday')).toBeNaN();
  });

  it('names the line and field of bad JSON or a bad value and keeps earlier flows', () => {
    const good = toJson(sampleFlows(1)[0]);
    const cases: [string, string][] = [
      ['{"ts":1', 'json'],
      ['[1,2]', 'json'],
      [good.replace(/"id\.orig_p":\d+/, '"id.orig_p":"80"'), 'id.orig_p'],
      [good.replace(/"ts":[\d.]+/, '"ts":"noon"'), 'ts'],
      [good.replace(/,"id\.resp_h":"[^"]+"/, ''), 'id.resp_h'],
      [good.replace(/"orig_pkts":\d+/, '"orig_pkts":1.5'), 'orig_pkts'],
    ];
    for (const [bad, field] of cases) {
      const { records, error } = readJson([good, '', bad, good].join('\n'));
      expect(invalidError(error).details[0], bad).toMatchObject({ line: 3, field });
      expect(records.length).toBe(1);
    }
  });
});
