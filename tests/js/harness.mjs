// Shared setup of the JS tests of pkg/: the package under test, the check that a test file
// leaves no unhandled rejection behind, and the emulator `cargo xtask test` started.
import { after } from 'node:test';
import assert from 'node:assert/strict';

/** The package entry under test (`SOGNI_PKG` overrides pkg/node.js). */
export const PKG = process.env.SOGNI_PKG || new URL('../../pkg/node.js', import.meta.url).href;
/** Its exports. */
export const sdk = await import(PKG);

/** Unhandled rejections so far: the importing test file fails at its end unless none. */
export const unhandled = [];
process.on('unhandledRejection', (r) => unhandled.push(r));
after(() => assert.deepEqual(unhandled, [], 'no unhandled rejections'));

/**
 * The emulator of `cargo xtask test` (its endpoints come in `SOGNI_REST_ENDPOINT` and
 * `SOGNI_SOCKET_ENDPOINT`): the endpoints, a base client config on them and its counters.
 */
export function endpoints() {
  const REST = process.env.SOGNI_REST_ENDPOINT;
  const SOCKET = process.env.SOGNI_SOCKET_ENDPOINT;
  if (!REST || !SOCKET) throw new Error('run through `cargo xtask test` (SOGNI_REST_ENDPOINT is not set)');
  return {
    REST,
    SOCKET,
    base: { restEndpoint: REST, socketEndpoint: SOCKET, logLevel: 'error' },
    stats: async () => (await fetch(`${REST}/emulator/stats`)).json()
  };
}
