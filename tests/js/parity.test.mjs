// Parity of the public surface: every public member of the official 5.54 package (the root
// exports, and each class's public methods, getters and fields, as its .d.ts declares them)
// has a counterpart of the same name in pkg/, except the ones listed in GAPS (each with the
// reason; the README's parity table says the same). Runs without a server: the clients
// are REST-only and never called.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OFFICIAL, GAPS } from './parity-data.mjs';
import { sdk } from './harness.mjs';

const has = (obj, name) => obj != null && (name in Object(obj));

function targets() {
  return (async () => {
    const sogni = await sdk.SogniClient.createInstance({
      appId: 'parity',
      apiKey: 'parity-key',
      disableSocket: true,
      restEndpoint: 'http://127.0.0.1:9',
      socketEndpoint: 'ws://127.0.0.1:9',
      logLevel: 'silent'
    });
    sogni.on('error', () => {});
    const chatError = new sdk.ChatJobError('x', { errorType: 'transport_lost', code: '4081', errorCode: '4081', jobID: 'J', status: 400, payload: {}, subscriptionLimit: true, requiredPlans: [], feature: 'f', limitation: 'l' });
    const apiError = new sdk.ApiError('m', { status: 429, errorCode: 1, retryAfter: 2, details: {} });
    return {
      sogni,
      map: {
        root: sdk,
        SogniClient: sogni,
        'SogniClient (static)': sdk.SogniClient,
        AccountApi: sogni.account,
        CurrentAccount: sogni.currentAccount,
        ProjectsApi: sogni.projects,
        PersonalLoras: sogni.projects.personalLoras,
        ReusableUploads: sogni.projects.assets,
        Project: sdk.Project.prototype,
        Job: sdk.Job.prototype,
        'Job (static)': sdk.Job,
        ChatApi: sogni.chat,
        'chat.completions': sogni.chat.completions,
        'chat.hosted': sogni.chat.hosted,
        'chat.runs': sogni.chat.runs,
        ChatToolsApi: sogni.chat.tools,
        ChatStream: sdk.ChatStream.prototype,
        ChatJobError: chatError,
        CreativeWorkflowsApi: sogni.workflows,
        CreativeWorkflowTemplatesApi: sogni.workflows.templates,
        ReplayApi: sogni.replay,
        StatsApi: sogni.stats,
        AnnouncementsApi: sogni.announcements,
        ApiClient: sogni.apiClient,
        'apiClient.socket': sogni.apiClient.socket,
        ApiError: apiError,
        ApiKeyAuthManager: sdk.ApiKeyAuthManager.prototype,
        'event emitters (groups, entities)': sogni.projects
      }
    };
  })();
}

test('every official public member has a counterpart, or is a listed gap', async () => {
  const { sogni, map } = await targets();
  const missing = [];
  const stale = [];
  let total = 0;
  let present = 0;
  for (const [group, names] of Object.entries(OFFICIAL)) {
    for (const name of names) {
      total++;
      const key = `${group}.${name}`;
      const ok = has(map[group], name);
      if (ok) present++;
      if (!ok && !GAPS[key]) missing.push(key);
      if (ok && GAPS[key]) stale.push(key);
    }
  }
  sogni.dispose();
  assert.deepEqual(missing, [], 'official members with no counterpart and no listed reason');
  if (stale.length) console.log(`parity: listed gaps that now exist (update GAPS and the README): ${stale.join(', ')}`);
  console.log(`parity: ${present} of ${total} official public members have a counterpart`);
});
