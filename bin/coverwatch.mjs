#!/usr/bin/env node
// Package entry for the `coverwatch` CLI: runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
