// Type-checks code a user of the official SDK writes, against the package's .d.ts
// (`tsc --noEmit -p tests/js/types`). A type error here fails `cargo xtask test`.
import { SogniClient, ApiError, ValidationError, type ImageProjectCreateParams, type AvailableModel, type JobFeedEvent } from 'sogni-wasm';

async function main(file: Blob, bytes: Uint8Array): Promise<string[]> {
  const sogni = await SogniClient.createInstance({ appId: 'my-app', apiKey: 'key', network: 'fast', logLevel: 'warn' });
  const models: AvailableModel[] = await sogni.projects.waitForModels();
  const first: string = models[0].id;
  const params: ImageProjectCreateParams = {
    type: 'image',
    modelId: first,
    positivePrompt: 'a cat',
    numberOfMedia: 2,
    steps: 4,
    startingImage: file,
    contextImages: [bytes, true],
    controlNet: { name: 'canny', image: bytes, strength: 0.5 },
    sizePreset: 'custom',
    width: 512,
    height: 512
  };
  const project = await sogni.projects.create(params);
  project.on('progress', (p: number) => console.log(p));
  const cost = await sogni.projects.estimateCost({ model: first, imageCount: 1, stepCount: 4, previewCount: 0 });
  const usd: string = cost.usd;
  console.log(usd, project.jobs.map((j) => j.id));
  try {
    return await project.waitForCompletion(AbortSignal.timeout(1000));
  } catch (e) {
    if (e instanceof ApiError) console.log(e.status, e.payload.errorCode, e.retryAfter);
    if (e instanceof ValidationError) console.log(e.code);
    throw e;
  } finally {
    sogni.dispose();
  }
}

export { main };

// The types reject what the SDK would reject at run time (`@ts-expect-error` fails the check
// if no error is reported).
async function rejected(): Promise<void> {
  // @ts-expect-error: steps is a number
  const bad: ImageProjectCreateParams = { type: 'image', modelId: 'x', steps: 'four' };
  // @ts-expect-error: a misspelt config key
  await SogniClient.createInstance({ appId: 'x', apiKeyy: 'k' });
  // @ts-expect-error: a reference must be media or true, not a string
  await (null as unknown as SogniClient).projects.create({ type: 'image', modelId: 'x', startingImage: 'cat.png' });
  console.log(bad);
}

export { rejected };

async function account(sogni: SogniClient): Promise<string> {
  const login = await sogni.account.login('demo', 'pw');
  const me = await sogni.account.me();
  const balance = await sogni.account.refreshBalance();
  const presets = await sogni.projects.getSizePresets('fast', 'flux1-schnell-fp8');
  const options = await sogni.projects.getModelOptions('flux1-schnell-fp8');
  sogni.projects.on('job', (e: JobFeedEvent) => console.log(e.type === 'preview' ? e.url : e.jobId));
  return `${login.token}${me.walletAddress}${balance.spark.net}${presets[0].width}${options.type}${sogni.currentAccount.balance?.sogni.net}`;
}

export { account };

// Video, audio and chat, as the official SDK's users write them.
import type { ChatCompletionResult, ChatStream, VideoProjectCreateParams } from 'sogni-wasm';
import { SogniTools, ChatJobError } from 'sogni-wasm';

export async function media(sogni: SogniClient, image: Blob, song: ArrayBuffer): Promise<string> {
  const video: VideoProjectCreateParams = {
    type: 'video',
    modelId: 'wan_v2.2-14b-fp8_s2v_lightx2v',
    positivePrompt: 'a singer',
    numberOfMedia: 1,
    referenceImage: image,
    referenceAudio: song,
    duration: 5,
    fps: 16
  };
  const clip = await sogni.projects.create(video);
  const tune = await sogni.projects.create({ type: 'audio', modelId: 'ace_step_1.5_turbo', positivePrompt: 'jazz', numberOfMedia: 1, duration: 30, bpm: 90 });
  const stream: ChatStream = await sogni.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.content;
  const result: ChatCompletionResult = await sogni.chat.completions.create({
    messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: image } }, { type: 'text', text: 'describe' }] }],
    tools: [SogniTools.generateImage],
    think: false
  });
  try {
    await sogni.chat.completions.create({ model: 'x', messages: [] });
  } catch (e) {
    if (e instanceof ChatJobError) console.log(e.errorType, e.retryable);
  }
  return `${clip.id} ${tune.id} ${text} ${result.content}`;
}

// The rest of the surface: workflows with for await over their events, templates, replay,
// stats, announcements, account subscriptions and rewards, LoRAs, saved uploads, constants.
import {
  SUBSCRIPTION_ERROR_CODES,
  isSubscriptionLimitError,
  parseCreativeWorkflowSseChunk,
  type CreativeWorkflowRecord,
  type WorkflowTemplate,
  type SubscriptionEntitlementSnapshot,
  type LoraCatalog
} from 'sogni-wasm';

export async function surface(sogni: SogniClient, file: Blob): Promise<string> {
  const wf: CreativeWorkflowRecord = await sogni.workflows.start({
    input: { title: 't', steps: [{ toolName: 'generate_image', arguments: { prompt: 'x' } }] },
    tokenType: 'spark'
  });
  for await (const frame of sogni.workflows.streamEvents(wf.workflowId, { after: 0 })) console.log(frame.event, frame.data);
  const resumed = await sogni.workflows.resume(wf.workflowId, {});
  const again = await sogni.workflows.reseed(wf.workflowId, { seedOverrides: { a: 1 } });
  const { templates, nextCursor } = await sogni.workflows.templates.list({ visibility: 'own', limit: 10 });
  const t: WorkflowTemplate = await sogni.workflows.templates.fork(templates[0].id, { newName: 'copy' });
  const written = await sogni.replay.write({ run_id: 'r', rounds: [] });
  const rows = await sogni.stats.leaderboard({ type: 'jobCompleteArtist', period: 'day' });
  const alerts = await sogni.announcements.active('sogni-mac');
  const sub: SubscriptionEntitlementSnapshot = await sogni.account.getSubscriptionStatus();
  const page = await sogni.account.transactionHistory({ status: 'completed', address: '0x', limit: 10 });
  const when: Date = page.entries[0].createTime;
  const rewards = await sogni.account.rewards();
  const catalog: LoraCatalog = await sogni.projects.availableLoras({ modelId: 'x', includePersonal: true });
  const saved = await sogni.projects.assets.upload(file, 'image/png');
  const off = sogni.apiClient.socket.on('subscriptionLimitNotice', (n) => console.log(n));
  off();
  const frames = parseCreativeWorkflowSseChunk('data: {}\n\n');
  const limited: boolean = isSubscriptionLimitError(SUBSCRIPTION_ERROR_CODES.SUBSCRIPTION_FEATURE_REQUIRES_UPGRADE);
  return `${resumed.resumed} ${again.reseed.clonedFromRunId} ${nextCursor} ${t.id} ${written.runId} ${rows.length} ${alerts.length} ${sub.status} ${when.getTime()} ${rewards.length} ${catalog.models.length} ${saved.id} ${frames.length} ${limited}`;
}

// Project recovery (5.54): sync, other app instances' projects, lost projects, rebuilt params.
import {
  PROJECT_LOST_ORIGINAL_CODE, isProjectLostError, projectParamsFromRecoveredProject,
  type ProjectSyncResult, type RecoveredProject, type ProjectResolution, type CompletedRecoveredProject
} from 'sogni-wasm';

async function recovery(sogni: SogniClient): Promise<string> {
  const synced: ProjectSyncResult = await sogni.projects.sync();
  const manual = await sogni.projects.sync('manual', AbortSignal.timeout(5_000));
  const elsewhere: RecoveredProject[] = await sogni.projects.listProjectsElsewhere();
  const verdicts: Record<string, ProjectResolution> = await sogni.projects.resolveMissing(synced.lost);
  await sogni.projects.resolveMissing(manual.unverified, { attempts: 1, delayMs: 0, signal: AbortSignal.timeout(1_000) });
  const lost = Object.values(verdicts).filter((v) => v.state === 'lost' && isProjectLostError(v.error));
  const again = await sogni.projects.create(projectParamsFromRecoveredProject(elsewhere[0]));
  const recovered: boolean = again.recovered;
  const done: CompletedRecoveredProject[] = synced.recoveredCompleted;
  sogni.projects.on('completedProjectsRecovered', (list: CompletedRecoveredProject[]) => console.log(list[0].resultUrls));
  return `${PROJECT_LOST_ORIGINAL_CODE} ${lost.length} ${recovered} ${done.length} ${isProjectLostError(again.error)}`;
}

// 5.54 entity members and the client's auth/REST members.
import {
  ApiKeyAuthManager, AuthManager, type JobProvenance, type EtaRange, type EnhancedImage, type ClientAttribution, type Logger
} from 'sogni-wasm';

async function entities(sogni: SogniClient, logger: Logger): Promise<string> {
  const project = await sogni.projects.create({ type: 'image', modelId: 'flux1-schnell-fp8', positivePrompt: 'a cat' });
  const started: Date = project.startedAt;
  const start: Date | undefined = project.estimatedStartAt;
  const waiting: 'waiting' | 'no-workers' | undefined = project.queueStatus;
  const eta: Date | undefined = project.eta;
  const job = project.jobs[0];
  const kind: 'image' | 'video' | 'audio' | 'model' = job.type;
  const index: number | undefined = job.jobIndex;
  const range: EtaRange | undefined = job.etaRange;
  const jobEta: Date | undefined = job.eta;
  const sources: string[] = job.nsfwSources;
  const media: boolean = job.hasResultMedia && !job.isWithheld;
  const hash: string | undefined = (job.provenance as JobProvenance | undefined)?.sha256;
  const frame: string | undefined = job.lastFrameUrl;
  const fresh: string = await job.getLastFrameUrl(AbortSignal.timeout(1_000));
  const blob: Blob = await job.getResultData();
  const enhanced: string = await job.enhance('light', { positivePrompt: 'a dog', tokenType: 'spark' }, AbortSignal.timeout(60_000));
  const state: EnhancedImage | null = job.enhancedImage;
  const own = new ApiKeyAuthManager(logger);
  await own.authenticate('key');
  const init: RequestInit = await own.authenticateRequest({ headers: { a: 'b' } });
  const options = await own.socketOptions();
  const auth: ApiKeyAuthManager | AuthManager = sogni.apiClient.auth;
  const me = await sogni.apiClient.rest.get('/v1/account/me', { fields: 'all' }, AbortSignal.timeout(1_000));
  await sogni.apiClient.rest.post('/v1/replay/records', { run_id: 'r' }, { timeoutMs: 5_000, headers: { 'x-a': '1' } });
  await sogni.apiClient.rest.delete('/v1/assets/a1');
  const attribution: ClientAttribution = sogni.apiClient.attribution;
  // @ts-expect-error: an unknown enhancement strength
  await job.enhance('max');
  return `${started.getTime()} ${start} ${waiting} ${eta} ${kind} ${index} ${range?.min} ${jobEta} ${sources.length} ${media} ${hash} ${frame} ${fresh} ${blob.size} ${enhanced} ${state?.status} ${JSON.stringify(init)} ${options?.headers} ${auth.isAuthenticated} ${me} ${attribution.connection?.interactionKind}`;
}
export { entities };
