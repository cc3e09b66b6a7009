// The bad-input catalogue: invalid config, project params, reference media, chat messages
// and call arguments, each answered by a typed error (a SogniError subclass) with a stable
// `code`, before anything reaches the network: the emulator's counters of sockets,
// jobRequests, llmJobRequests and uploads do not move.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpoints, sdk } from './harness.mjs';
import { PNG_4x4 as PNG } from './media.mjs';

const { REST, base, stats } = endpoints();
const { SogniClient, SogniError, ValidationError } = sdk;

const COUNTERS = ['connections', 'jobRequests', 'llmJobRequests', 'uploads'];
const LLM = 'qwen3.6-35b-a3b-gguf-iq4xs';

const MP4 = Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex');
const WAV = Buffer.from('524946462400000057415645666d7420', 'hex');

const image = (extra = {}) => ({
  type: 'image',
  modelId: 'flux1-schnell-fp8',
  positivePrompt: 'bad input',
  numberOfMedia: 1,
  steps: 4,
  sizePreset: 'custom',
  width: 256,
  height: 256,
  ...extra
});
const video = (modelId, extra = {}) => ({ type: 'video', modelId, positivePrompt: 'bad input', numberOfMedia: 1, ...extra });
const song = (extra = {}) => ({
  type: 'audio',
  modelId: 'ace_step_1.5_turbo',
  positivePrompt: 'bad input',
  numberOfMedia: 1,
  duration: 10,
  ...extra
});
const WAN_T2V = 'wan_v2.2-14b-fp8_t2v_lightx2v';
const WAN_I2V = 'wan_v2.2-14b-fp8_i2v_lightx2v';
const LTX_T2V = 'ltx23-22b-fp8_t2v_distilled';
const chat = (extra) => ({ model: LLM, ...extra });
const user = (content) => ({ messages: [{ role: 'user', content }] });
const imagePart = (url) => ({ type: 'image_url', image_url: { url } });

/** [name, code, call(sogni)] — `sogni` is a connected client (null for config cases). */
const CONFIG = [
  ['config: undefined', 'INVALID_CONFIG', () => SogniClient.createInstance(undefined)],
  ['config: null', 'INVALID_CONFIG', () => SogniClient.createInstance(null)],
  ['config: a string', 'INVALID_CONFIG', () => SogniClient.createInstance('demo-api-key')],
  ['config: a number', 'INVALID_CONFIG', () => SogniClient.createInstance(42)],
  ['config: no appId', 'INVALID_CONFIG', () => SogniClient.createInstance({ ...base, apiKey: 'demo-api-key' })],
  ['config: empty appId', 'INVALID_CONFIG', () => SogniClient.createInstance({ ...base, appId: '', apiKey: 'demo-api-key' })],
  ['config: blank appId', 'INVALID_CONFIG', () => SogniClient.createInstance({ ...base, appId: '   ', apiKey: 'demo-api-key' })],
  ['config: numeric appId', 'INVALID_CONFIG', () => SogniClient.createInstance({ ...base, appId: 42, apiKey: 'demo-api-key' })],
  ['config: unknown network', 'INVALID_CONFIG', () => SogniClient.createInstance({ ...base, appId: 'bad', network: 'turbo', apiKey: 'demo-api-key' })],
  ['config: socketEndpoint not a URL', 'INVALID_CONFIG', () => SogniClient.createInstance({ ...base, appId: 'bad', socketEndpoint: 'nope', apiKey: 'demo-api-key' })],
  ['config: relative restEndpoint', 'INVALID_CONFIG', () => SogniClient.createInstance({ ...base, appId: 'bad', restEndpoint: 'api/v1', apiKey: 'demo-api-key' })],
  ['config: numeric apiKey', 'INVALID_CONFIG', () => SogniClient.createInstance({ ...base, appId: 'bad', apiKey: 42 })],
  ['config: disableSocket not a boolean', 'INVALID_CONFIG', () => SogniClient.createInstance({ ...base, appId: 'bad', disableSocket: 'yes', apiKey: 'demo-api-key' })],
  ['config: socketEventSubscriptions not an object', 'INVALID_CONFIG', () => SogniClient.createInstance({ ...base, appId: 'bad', socketEventSubscriptions: 'all', apiKey: 'demo-api-key' })],
  ['config: numeric logLevel', 'INVALID_CONFIG', () => SogniClient.createInstance({ ...base, appId: 'bad', logLevel: 7, apiKey: 'demo-api-key' })],
  ['config: testnet not a boolean', 'INVALID_CONFIG', () => SogniClient.createInstance({ ...base, appId: 'bad', testnet: 'no', apiKey: 'demo-api-key' })]
];

const PROJECTS = [
  ['params: null', 'INVALID_PARAMS', null],
  ['params: a string', 'INVALID_PARAMS', 'a lighthouse at dusk'],
  ['params: a number', 'INVALID_PARAMS', 7],
  ['params: an array', 'INVALID_PROJECT_TYPE', []],
  ['params: no type', 'INVALID_PROJECT_TYPE', image({ type: undefined })],
  ['params: unknown type', 'INVALID_PROJECT_TYPE', image({ type: 'hologram' })],
  ['params: unknown model', 'INVALID_MODEL', image({ modelId: 'no-such-model' })],
  ['params: empty model', 'INVALID_MODEL', image({ modelId: '' })],
  ['params: numeric model', 'INVALID_PARAMS', image({ modelId: 42 })],
  ['params: numeric prompt', 'INVALID_PARAMS', image({ positivePrompt: 42 })],
  ['params: steps above the tier', 'INVALID_STEPS', image({ steps: 999 })],
  ['params: zero steps', 'INVALID_STEPS', image({ steps: 0 })],
  ['params: fractional steps', 'INVALID_STEPS', image({ steps: 2.5 })],
  ['params: steps as a word', 'INVALID_PARAMS', image({ steps: 'four' })],
  ['params: negative numberOfMedia', 'INVALID_NUMBER_OF_MEDIA', image({ numberOfMedia: -1 })],
  ['params: fractional numberOfMedia', 'INVALID_NUMBER_OF_MEDIA', image({ numberOfMedia: 1.5 })],
  ['params: width below the tier', 'INVALID_SIZE', image({ width: 100 })],
  ['params: height above the tier', 'INVALID_SIZE', image({ height: 99999 })],
  ['params: width as a word', 'INVALID_PARAMS', image({ width: 'wide' })],
  ['params: unknown sampler', 'INVALID_SAMPLER', image({ sampler: 'not-a-sampler' })],
  ['params: unknown scheduler', 'INVALID_SCHEDULER', image({ scheduler: 'nope' })],
  ['params: negative seed', 'INVALID_SEED', image({ seed: -1 })],
  ['params: seed above 2^32', 'INVALID_SEED', image({ seed: 2 ** 53 })],
  ['params: fractional seed', 'INVALID_SEED', image({ seed: 1.5 })],
  ['params: guidance as a word', 'INVALID_PARAMS', image({ guidance: 'high' })],
  ['params: negative numberOfPreviews', 'INVALID_PREVIEWS', image({ numberOfPreviews: -1 })],
  ['params: loras not a list', 'INVALID_PARAMS', image({ loras: 'x' })],
  ['params: unknown ControlNet', 'INVALID_CONTROLNET', image({ controlNet: { name: 'nope', image: PNG } })],
  ['params: startingImageStrength above 1', 'INVALID_STRENGTH', image({ startingImage: PNG, startingImageStrength: 2 })],
  ['media: startingImage as a URL string', 'INVALID_MEDIA', image({ startingImage: 'https://example.com/a.png' })],
  ['media: startingImage as a plain object', 'INVALID_MEDIA', image({ startingImage: {} })],
  ['media: empty startingImage', 'INVALID_MEDIA', image({ startingImage: Buffer.alloc(0) })],
  ['media: an MP4 as startingImage', 'INVALID_MEDIA', image({ startingImage: MP4 })],
  ['media: a Blob typed audio as startingImage', 'INVALID_MEDIA', image({ startingImage: new Blob([PNG], { type: 'audio/mpeg' }) })],
  ['media: a WAV as the ControlNet image', 'INVALID_MEDIA', image({ controlNet: { name: 'canny', image: WAV } })],
  ['media: a string in contextImages', 'INVALID_MEDIA', image({ contextImages: ['x'] })],
  ['video: fps not offered by the model', 'INVALID_FPS', video(WAN_T2V, { fps: 7 })],
  ['video: negative duration', 'INVALID_DURATION', video(WAN_T2V, { duration: -3 })],
  ['video: an image model', 'INVALID_MODEL', video('flux1-schnell-fp8')],
  ['video: a reference video on t2v', 'UNSUPPORTED_REFERENCE', video(LTX_T2V, { controlNet: { name: 'canny' }, referenceVideo: MP4 })],
  ['media: a WAV as referenceImage', 'INVALID_MEDIA', video(WAN_I2V, { referenceImage: WAV })],
  ['media: an empty referenceImage', 'INVALID_MEDIA', video(WAN_I2V, { referenceImage: new Uint8Array(0) })],
  ['audio: duration above the model', 'INVALID_DURATION', song({ duration: 9999 })],
  ['audio: bpm below the model', 'INVALID_BPM', song({ bpm: 5 })],
  ['audio: unknown keyscale', 'INVALID_KEYSCALE', song({ keyscale: 'H major' })],
  ['audio: unknown time signature', 'INVALID_TIMESIGNATURE', song({ timesignature: '9' })],
  ['audio: unknown language', 'INVALID_LANGUAGE', song({ language: 'klingon' })],
  ['audio: unknown outputFormat', 'INVALID_OUTPUT_FORMAT', song({ outputFormat: 'ogg' })],
  ['media: an empty referenceAudio', 'INVALID_MEDIA', song({ referenceAudio: Buffer.alloc(0) })],
  ['media: a PNG as referenceAudio', 'INVALID_MEDIA', song({ referenceAudio: PNG })]
].map(([name, code, params]) => [name, code, (sogni) => sogni.projects.create(params)]);

const CHAT = [
  ['chat: params not an object', 'INVALID_CHAT_PARAMS', (s) => s.chat.completions.create(null)],
  ['chat: no messages', 'INVALID_CHAT_PARAMS', (s) => s.chat.completions.create(chat({}))],
  ['chat: messages as a string', 'INVALID_CHAT_PARAMS', (s) => s.chat.completions.create(chat({ messages: 'hello' }))],
  ['chat: autoExecuteTools with stream', 'INVALID_CHAT_PARAMS', (s) => s.chat.completions.create(chat({ ...user('x'), stream: true, autoExecuteTools: true }))],
  ['chat: a remote image URL', 'UNSUPPORTED_IMAGE_URL', (s) => s.chat.completions.create(chat(user([imagePart('https://example.com/a.png')])))],
  ['chat: a GIF data URI', 'UNSUPPORTED_IMAGE_TYPE', (s) => s.chat.completions.create(chat(user([imagePart('data:image/gif;base64,R0lGODlhAQABAAAAACw=')])))],
  ['chat: 21 images', 'TOO_MANY_IMAGES', (s) => s.chat.completions.create(chat(user(Array.from({ length: 21 }, () => imagePart(new Blob([PNG], { type: 'image/png' }))))))]
];

const CALLS = [
  ['login: empty username', 'INVALID_CREDENTIALS', (s) => s.account.login('', 'x')],
  ['switchNetwork: unknown network', 'INVALID_NETWORK', (s) => s.account.switchNetwork('turbo')],
  ['setTokens: no tokens', 'INVALID_TOKENS', (s) => s.setTokens({})],
  ['getSizePresets: unknown network', 'INVALID_NETWORK', (s) => s.projects.getSizePresets('turbo', 'flux1-schnell-fp8')],
  ['getModelOptions: unknown model', 'INVALID_MODEL', (s) => s.projects.getModelOptions('nope')],
  ['estimateCost: not an object', 'INVALID_PARAMS', (s) => s.projects.estimateCost('x')],
  ['estimateAudioCost: duration as a word', 'INVALID_PARAMS', (s) => s.projects.estimateAudioCost({ model: 'ace_step_1.5_turbo', duration: 'long' })]
];

test('bad input is refused with a typed error and a stable code, before any traffic', async () => {
  const total = CONFIG.length + PROJECTS.length + CHAT.length + CALLS.length;
  assert.ok(total >= 50, `${total} cases`);
  const before = await stats();
  for (const [name, code, call] of CONFIG) {
    await assert.rejects(call(), (e) => {
      assert.ok(e instanceof ValidationError && e instanceof SogniError, `${name}: ${e}`);
      assert.equal(e.code, code, `${name}: ${e.message}`);
      assert.equal(e.retryable, false, name);
      return true;
    });
  }
  assert.equal((await stats()).connections, before.connections, 'no socket was opened');

  const sogni = await SogniClient.createInstance({ ...base, appId: `bad-input-${process.pid}`, apiKey: 'demo-api-key' });
  try {
    await sogni.projects.waitForModels();
    await sogni.chat.waitForModels();
    // Warm the model list and tiers, so only the inputs are judged.
    await sogni.projects.getModelOptions('flux1-schnell-fp8');
    const warm = await stats();
    const seen = new Map();
    for (const [name, code, call] of [...PROJECTS, ...CHAT, ...CALLS]) {
      await assert.rejects(call(sogni), (e) => {
        assert.ok(e instanceof SogniError && e instanceof Error, `${name}: ${e}`);
        assert.equal(e.code, code, `${name}: ${e.message}`);
        assert.equal(typeof e.message, 'string');
        assert.equal(e.retryable, false, name);
        return true;
      });
      seen.set(code, (seen.get(code) ?? 0) + 1);
    }
    const after = await stats();
    for (const k of COUNTERS) assert.equal(after[k], warm[k], `${k} did not move`);
    assert.ok(seen.size >= 25, `${seen.size} distinct codes`);
  } finally {
    sogni.dispose();
  }
  console.log(`bad-input: ${total} invalid inputs, each refused before the wire`);
});
