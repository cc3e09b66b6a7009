// The size check of `cargo xtask test`: pkg/'s brotli total — the .wasm, the JS glue and the
// generated tools manifest, as lib.mjs pkgSizes counts them — must not grow past the committed
// baseline in size-budget.json plus its slack. The real budget (60 KB) is far below today's
// size, so the check guards against growth and prints the goal beside it.
// usage: node size-check.mjs PKG_DIR [--update]   (--update: baseline := today's size)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BENCH, ROOT, pkgSizes } from './lib.mjs';

const dir = process.argv[2] || join(ROOT, 'pkg');
const file = join(BENCH, 'size-budget.json');
const now = pkgSizes(dir).total;
const kb = (n) => `${(n / 1000).toFixed(1)} KB`; // decimal, as the figures

if (process.argv.includes('--update')) {
  const old = JSON.parse(readFileSync(file, 'utf8'));
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const next = { ...old, baselineBrotliBytes: now.brotli, baselineRawBytes: now.raw, measuredAt: `${commit} on ${new Date().toISOString().slice(0, 10)}` };
  writeFileSync(file, JSON.stringify(next, null, 2) + '\n');
  console.log(`size budget: baseline set to ${kb(now.brotli)} brotli (limit ${kb(Math.floor(now.brotli * (1 + next.slack)))}); commit bench/size-budget.json`);
  process.exit(0);
}

const budget = JSON.parse(readFileSync(file, 'utf8'));
const limit = Math.floor(budget.baselineBrotliBytes * (1 + budget.slack));
const delta = now.brotli - budget.baselineBrotliBytes;
console.log(
  `size budget: pkg/ is ${kb(now.brotli)} brotli (${kb(now.raw)} raw); baseline ${kb(budget.baselineBrotliBytes)} ` +
    `(${delta >= 0 ? '+' : ''}${(delta / 1024).toFixed(1)} KB), limit ${kb(limit)} (+${Math.round(budget.slack * 100)}%); ` +
    `goal ${kb(budget.goalBrotliBytes)} — ${(now.brotli / budget.goalBrotliBytes).toFixed(1)}× the goal`
);
if (now.brotli > limit) {
  console.error(
    `size budget: pkg/ grew past the committed baseline by more than ${Math.round(budget.slack * 100)}%. ` +
      'Shrink it, or — if the growth is deliberate — run `cargo xtask bench --update-size-budget` and commit bench/size-budget.json.'
  );
  process.exit(1);
}
if (now.brotli < budget.baselineBrotliBytes * 0.98) {
  console.log('size budget: pkg/ is smaller than the baseline: lock the gain in with `cargo xtask bench --update-size-budget`.');
}
