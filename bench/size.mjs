// Bundle sizes: pkg/ (wasm + JS glue) as shipped and per cargo feature, our glue minified by
// esbuild like an app bundle, the official SDK bundled by esbuild (--bundle --minify
// --format=esm --platform=browser) whole and without ethers and the hosted-tools manifest;
// and where the .wasm's bytes go (twiggy on the pre-wasm-opt module, which keeps names).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ROOT, PKG, compressedSizes, pkgSizes } from './lib.mjs';

const CONFORMANCE = join(ROOT, 'tests/conformance');

async function esbuild(options) {
  const r = await build({ bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, metafile: true, logLevel: 'error', ...options });
  const buf = Buffer.from(r.outputFiles[0].contents);
  const inputs = Object.values(r.metafile.outputs)[0].inputs;
  const byPackage = {};
  for (const [path, v] of Object.entries(inputs)) {
    const m = path.match(/node_modules\/((@[^/]+\/)?[^/]+)/);
    const key = m ? m[1] : path;
    byPackage[key] = (byPackage[key] || 0) + v.bytesInOutput;
  }
  return { buf, sizes: compressedSizes(buf), byPackage };
}

/** The official SDK bundled like an app would; writes the full bundle to `bundlePath`. */
async function official(bundlePath) {
  const stdin = { contents: "export * from '@sogni-ai/sogni-client';", resolveDir: CONFORMANCE, loader: 'js' };
  const full = await esbuild({ stdin });
  writeFileSync(bundlePath, full.buf);
  // The client logic alone: ethers (wallet, EIP-712) and the generated hosted-tools manifest
  // left out as externals.
  const core = await esbuild({ stdin, external: ['ethers', '*/_hostedToolsManifest.generated.js'] });
  return { full: { ...full.sizes, byPackage: full.byPackage }, core: { ...core.sizes, byPackage: core.byPackage } };
}

/** Our browser entry bundled by esbuild the same way: the minified JS glue; the .wasm ships as is. */
async function oursBundled() {
  const glue = await esbuild({ entryPoints: [join(PKG, 'browser.js')] });
  const wasm = compressedSizes(readFileSync(join(PKG, 'sogni_wasm_bg.wasm')));
  return { glue: glue.sizes, wasm, total: { raw: glue.sizes.raw + wasm.raw, gzip: glue.sizes.gzip + wasm.gzip, brotli: glue.sizes.brotli + wasm.brotli } };
}

function twiggyBin() {
  for (const c of ['twiggy', join(homedir(), '.cargo/bin/twiggy')]) {
    if (spawnSync(c, ['--version']).status === 0) return c;
  }
  return null;
}

/** Which part of the code a (demangled) function name belongs to. */
export function category(name) {
  if (/serde_wasm_bindgen/.test(name)) return 'serde-wasm-bindgen (JS value ⇄ Rust)';
  if (/serde_json/.test(name)) return 'serde_json (parse/print, Value)';
  if (/serde(_core)?::|serde_derive|Deserialize|Serialize|Visitor/.test(name)) return 'serde derived impls (SDK types)';
  if (/future_to_promise|wasm_bindgen_futures|{{closure}}/.test(name)) return 'async fns (bodies inlined into future_to_promise closures)';
  if (/^<?(k256|elliptic_curve|ecdsa|sha2|sha3|keccak|pbkdf2|hmac|crypto_bigint|crypto_common|primeorder|digest|rfc6979|subtle|der|const_oid|sec1|generic_array|block_buffer|signature)\b/.test(name)) {
    return 'wallet crypto (k256, sha2/3, pbkdf2)';
  }
  if (/^<?(wasm_bindgen|js_sys|web_sys|tsify)\b|^__wbg|^__wbindgen|^__externref|^[a-z]+_[a-zA-Z]+_[0-9a-f]{16}$/.test(name)) return 'wasm-bindgen glue and exported wrappers';
  if (/^<?(core|alloc|std|itoa|zmij|compiler_builtins|__rustc|zeroize)\b|^__(multi|udiv|div|mul)|^<(str|char|[iuf](8|16|32|64|128|size))\b/.test(name) || (!/sogni_wasm/.test(name) && /\b(core|alloc)(\[[0-9a-f]+\])?::/.test(name))) {
    return /fmt|flt2dec|dec2flt|Display|Debug|Formatter|format|FromStr|itoa|zmij|escape/.test(name) ? 'core::fmt, number formatting/parsing' : 'Rust core/alloc/compiler builtins';
  }
  if (/dlmalloc/.test(name)) return 'allocator (dlmalloc)';
  const m = name.match(/^<?sogni_wasm::(\w+)/);
  if (m) return m[1] === 'wasm' ? 'sogni_wasm::wasm (JS bindings)' : `sogni_wasm::${m[1]}`;
  if (/^(code|type|elem|table|global|memory|import|export)\b/.test(name)) return 'other (unnamed code, types, tables)';
  const crate = name.match(/^<?([a-z_][a-z0-9_]*)(\[|::)/);
  return crate ? crate[1] : 'other (unnamed code, types, tables)';
}

/**
 * twiggy over `wasmWithNames`: the same module as pkg/'s (wasm-bindgen, then wasm-opt -Oz) but
 * optimised with -g so function names survive (cargo xtask bench builds it).
 */
function wasmBreakdown(wasmWithNames) {
  const bin = twiggyBin();
  if (!bin) return { skipped: 'twiggy is not installed (cargo install twiggy)' };
  if (!existsSync(wasmWithNames)) return { skipped: `no ${wasmWithNames}` };
  const run = (args) => {
    const r = spawnSync(bin, [...args, '--format', 'json', wasmWithNames], { maxBuffer: 256 << 20 });
    if (r.status !== 0) throw new Error(`twiggy ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  const items = run(['top', '-n', '1000000']);
  const notShipped = items.filter((i) => /^"function names"|^custom section|^"[a-z ]+" subsection/.test(i.name));
  const shipped = items.filter((i) => !notShipped.includes(i));
  const total = shipped.reduce((a, i) => a + i.shallow_size, 0);
  const byCategory = {};
  for (const i of shipped) {
    const c = /^data segment/.test(i.name) ? 'data segments (.rodata: strings, tables)' : category(i.name);
    byCategory[c] = (byCategory[c] || 0) + i.shallow_size;
  }
  const monos = run(['monos', '-n', '12']).map((g) => ({
    generic: g.generic,
    copies: g.monomorphizations.reduce((a, m) => a + (m.name.match(/^\.\.\. and (\d+) more/)?.[1] * 1 || 1), 0),
    totalBytes: g.total_size,
    bloatBytes: g.approximate_monomorphization_bloat_bytes
  }));
  return {
    file: wasmWithNames.replace(ROOT + '/', ''),
    // Differs from pkg/'s .wasm when another build replaced cargo's output in between.
    namedBytesWithoutNames: readFileSync(wasmWithNames).length - items.filter((i) => /^"function names"/.test(i.name)).reduce((a, i) => a + i.shallow_size, 0),
    codeAndDataBytes: total,
    namesAndCustomSectionsBytes: notShipped.reduce((a, i) => a + i.shallow_size, 0),
    byCategory: Object.entries(byCategory).sort((a, b) => b[1] - a[1]).map(([name, bytes]) => ({ name, bytes, share: bytes / total })),
    topFunctions: shipped.filter((i) => !/^data segment/.test(i.name)).slice(0, 12).map((i) => ({ name: i.name.replace(/::h[0-9a-f]{16}$/, ''), bytes: i.shallow_size })),
    monomorphizations: monos
  };
}

/**
 * Everything above. `variants`: {name: pkg-like dir} built with other cargo features;
 * `wasmWithNames`: cargo's output .wasm for twiggy; `bundlePath`: where the official bundle goes.
 */
export async function sizes({ variants = {}, wasmWithNames, bundlePath }) {
  const ours = pkgSizes(PKG);
  const perFeature = { 'default (wallet)': ours };
  for (const [name, dir] of Object.entries(variants)) {
    if (existsSync(join(dir, 'sogni_wasm_bg.wasm'))) perFeature[name] = pkgSizes(dir);
  }
  return {
    ours,
    oursBundled: await oursBundled(),
    perFeature,
    theirs: await official(bundlePath),
    wasmBreakdown: wasmBreakdown(wasmWithNames)
  };
}
