// Prints the README's parity table (markdown): every public member of the official 5.54
// package, its counterpart in sogni-wasm, and its status. `node tests/js/parity-table.mjs`.
import { OFFICIAL, GAPS, PARTIAL, TESTED } from './parity-data.mjs';

const prefix = {
  root: (n) => n,
  SogniClient: (n) => `sogni.${n}`,
  'SogniClient (static)': (n) => `SogniClient.${n}`,
  AccountApi: (n) => `sogni.account.${n}`,
  CurrentAccount: (n) => `sogni.currentAccount.${n}`,
  ProjectsApi: (n) => `sogni.projects.${n}`,
  PersonalLoras: (n) => `sogni.projects.personalLoras.${n}`,
  ReusableUploads: (n) => `sogni.projects.assets.${n}`,
  Project: (n) => `project.${n}`,
  Job: (n) => `job.${n}`,
  'Job (static)': (n) => `Job.${n}`,
  ChatApi: (n) => `sogni.chat.${n}`,
  'chat.completions': (n) => `sogni.chat.completions.${n}`,
  'chat.hosted': (n) => `sogni.chat.hosted.${n}`,
  'chat.runs': (n) => `sogni.chat.runs.${n}`,
  ChatToolsApi: (n) => `sogni.chat.tools.${n}`,
  ChatStream: (n) => `stream.${n}`,
  ChatJobError: (n) => `chatJobError.${n}`,
  CreativeWorkflowsApi: (n) => `sogni.workflows.${n}`,
  CreativeWorkflowTemplatesApi: (n) => `sogni.workflows.templates.${n}`,
  ReplayApi: (n) => `sogni.replay.${n}`,
  StatsApi: (n) => `sogni.stats.${n}`,
  AnnouncementsApi: (n) => `sogni.announcements.${n}`,
  ApiClient: (n) => `sogni.apiClient.${n}`,
  'apiClient.socket': (n) => `sogni.apiClient.socket.${n}`,
  ApiError: (n) => `apiError.${n}`,
  ApiKeyAuthManager: (n) => `ApiKeyAuthManager#${n}`,
  'event emitters (groups, entities)': (n) => `<group or entity>.${n}`
};

let total = 0;
let same = 0;
let partial = 0;
const rows = ['| Official 5.54 | sogni-wasm | Status |', '|---|---|---|'];
for (const [group, names] of Object.entries(OFFICIAL)) {
  rows.push(`| **${group}** | | *tested in ${TESTED[group] ?? '–'}* |`);
  for (const name of names) {
    total++;
    const key = `${group}.${name}`;
    const label = `\`${prefix[group](name)}\``;
    if (GAPS[key]) {
      rows.push(`| ${label} | – | ✗ ${GAPS[key]} |`);
    } else if (PARTIAL[key]) {
      partial++;
      rows.push(`| ${label} | ${label} | ≈ ${PARTIAL[key]} |`);
    } else {
      same++;
      rows.push(`| ${label} | ${label} | ✓ |`);
    }
  }
}
const missing = total - same - partial;
console.log(`${same + partial} of ${total} official public members have a counterpart (${same} the same, ${partial} with a difference noted); ${missing ? `${missing} missing, each with its reason` : 'none is missing'}.\n`);
console.log(rows.join('\n'));
