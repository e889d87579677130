#!/usr/bin/env -S node --max-semi-space-size=2
// Package entry for the `coverwatch` CLI: runs the TypeScript sources through tsx.
// A 2 MiB semi-space keeps the young generation small: `detect` streams millions of short-lived records
// and would otherwise grow it to ~50 MiB (peak RSS 141 instead of 167 MiB on the Kitsune trace x5, at the
// same packets/s; bench/packet-detector.bench.ts measures the CLI with these flags).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
