import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { invalid } from '../../core';
import {
  type BundleReport,
  ENTRY_TYPES,
  type EntryType,
  type EvidenceBundle,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  verifyBundle,
} from '../../modules/ledger';
import { orgContext, withServices } from '../context';
import { EXIT, printJson, reportError } from '../output';

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw invalid(`cannot read ${what} ${file}: ${(e as Error).message}`, [{ field: what, message: file }]);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalid(`${what} ${file} is not JSON: ${(e as Error).message}`, [{ field: what, message: file }]);
  }
}

/**
 * The older checkpoint the verifier already holds must be the one the bundle proves consistency
 * from: same signed size and root (RFC 9162 §2.1.4), signed by the same key.
 */
function checkHeldCheckpoint(report: BundleReport, bundle: unknown, heldNote: string, vkey: string): void {
  const add = (ok: boolean, message: string) => {
    const c = { check: 'older_checkpoint' as const, ok, message, reason: ok ? undefined : 'held_checkpoint' };
    report.checks.push(c);
    if (!ok) {
      report.failures.push(c);
      report.ok = false;
    }
  };
  const held = openCheckpoint(heldNote, parseVerifierKey(vkey));
  if (!held.ok) {
    add(false, `the older checkpoint you hold does not verify: ${held.message}`);
    return;
  }
  const older = (bundle as Partial<EvidenceBundle>).older;
  if (!older) {
    add(false, 'the bundle carries no consistency proof from an older checkpoint');
    return;
  }
  let inBundle: ReturnType<typeof parseCheckpoint>;
  try {
    inBundle = parseCheckpoint(parseNote(older.checkpoint).text);
  } catch (e) {
    add(false, `the bundle's older checkpoint is malformed: ${(e as Error).message}`);
    return;
  }
  const h = held.checkpoint;
  if (inBundle.origin !== h.origin || inBundle.size !== h.size || !inBundle.rootHash.equals(h.rootHash)) {
    add(
      false,
      `the bundle proves consistency from size ${inBundle.size}, not from the checkpoint you hold (size ${h.size}, root ${h.rootHash.toString('base64')})`,
    );
    return;
  }
  add(true, `the bundle's checkpoint extends the one you hold (size ${h.size})`);
}

function printReport(r: BundleReport): void {
  const head = r.ok ? 'VERIFIED' : 'FAILED';
  console.log(`${head}: ${r.origin ?? '?'} size ${r.treeSize ?? '?'} root ${r.rootHash ?? '?'}`);
  if (r.subject && r.subject !== '-') console.log(`subject: ${r.subject}`);
  if (!r.trustedKey)
    console.log('warning: no --key given; checked against the key the bundle names (not pinned)');
  const passed = r.checks.filter((c) => c.ok).length;
  console.log(`${passed} of ${r.checks.length} checks passed`);
  for (const f of r.failures) {
    const at =
      f.entryIndex !== undefined
        ? ` entry ${f.entryIndex}${f.position !== undefined ? ` (position ${f.position})` : ''}`
        : '';
    console.log(`  FAIL ${f.check}${at}: ${f.message}`);
  }
}

export function registerLedger(
  program: Command,
  run: (fn: () => Promise<void>, json?: boolean) => Promise<void>,
) {
  const ledger = program.command('ledger').description('evidence ledger: export and verify evidence bundles');

  ledger
    .command('verify')
    .requiredOption(
      '--bundle <file>',
      'evidence bundle (JSON from `ledger export` or POST /api/v1/ledger/export)',
    )
    .option('--key <verifierKey>', "the log's verifier key you pinned (GET /api/v1/ledger/key)")
    .option('--key-file <file>', 'file holding the verifier key')
    .option(
      '--older-checkpoint <file>',
      'a signed checkpoint you received earlier; the bundle must extend it',
    )
    .option('--json', 'machine-readable report')
    .description(
      'verify a bundle offline: signatures, every entry against the checkpoint, consistency (exit 3 on failure)',
    )
    .action(
      async (o: {
        bundle: string;
        key?: string;
        keyFile?: string;
        olderCheckpoint?: string;
        json?: boolean;
      }) => {
        try {
          if (o.key && o.keyFile)
            throw invalid('give --key or --key-file, not both', [{ field: 'key', message: 'twice' }]);
          const key = o.key ?? (o.keyFile ? readFileSync(o.keyFile, 'utf8').trim() : undefined);
          if (key !== undefined) parseVerifierKey(key);
          const bundle = readJson(o.bundle, 'bundle');
          const report = verifyBundle(bundle, key);
          if (o.olderCheckpoint) {
            const vkey = key ?? (bundle as Partial<EvidenceBundle>).verifierKey;
            if (!vkey) throw invalid('no verifier key to check --older-checkpoint with');
            checkHeldCheckpoint(report, bundle, readFileSync(o.olderCheckpoint, 'utf8'), vkey);
          }
          if (o.json) printJson(report);
          else printReport(report);
          process.exitCode = report.ok ? EXIT.ok : EXIT.invalid;
        } catch (e) {
          process.exitCode = reportError(e, o.json ?? false);
        }
      },
    );

  ledger
    .command('export')
    .requiredOption('--org <slug>', 'organisation')
    .requiredOption('--out <file>', 'bundle file to write')
    .option('--types <types>', `entry types, comma separated (${ENTRY_TYPES.join(', ')})`)
    .option('--ref <ref>', 'only entries about this record id')
    .option('--older-size <n>', 'also prove consistency from this older tree size')
    .option('--subject <text>', 'what the bundle is evidence for (claim id...), signed in the manifest')
    .option('--json', 'machine-readable output')
    .description(
      'export an evidence bundle from the database (refuses, naming entries, if the stored log was altered)',
    )
    .action(
      (o: {
        org: string;
        out: string;
        types?: string;
        ref?: string;
        olderSize?: string;
        subject?: string;
        json?: boolean;
      }) =>
        run(async () => {
          const types = o.types?.split(',').map((t) => t.trim());
          for (const t of types ?? [])
            if (!(ENTRY_TYPES as readonly string[]).includes(t))
              throw invalid(`unknown entry type "${t}"`, [
                { field: 'types', message: ENTRY_TYPES.join(', ') },
              ]);
          const olderSize = o.olderSize === undefined ? undefined : Number(o.olderSize);
          if (olderSize !== undefined && (!Number.isSafeInteger(olderSize) || olderSize < 1))
            throw invalid('--older-size must be a positive integer', [
              { field: 'older-size', message: o.olderSize! },
            ]);
          const bundle = await withServices(async (s, config) => {
            s.ledger.setDataDir(config.dataDir);
            return s.ledger.exportBundle(await orgContext(s, o.org), {
              types: types as EntryType[] | undefined,
              ref: o.ref,
              olderSize,
              subject: o.subject,
            });
          });
          writeFileSync(o.out, `${JSON.stringify(bundle, null, 2)}\n`);
          const summary = { out: o.out, entries: bundle.entries.length, verifierKey: bundle.verifierKey };
          if (o.json) printJson(summary);
          else
            console.log(
              `wrote ${summary.entries} entries to ${o.out}; verify with key ${summary.verifierKey}`,
            );
        }, o.json),
    );

  ledger
    .command('key')
    .description("print the ledger's verifier key (creates the signing key in DATA_DIR/keys on first use)")
    .action(() =>
      run(async () => {
        console.log(
          await withServices(async (s, config) => {
            s.ledger.setDataDir(config.dataDir);
            return s.ledger.verifierKey();
          }),
        );
      }),
    );
}
