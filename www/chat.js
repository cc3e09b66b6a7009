// The Chat panel, written against the official chat API that the SDK does not have yet:
//   const stream = await sogni.chat.completions.create({model, messages, stream: true,
//     think, taskProfile, tools, tool_choice});
//   for await (const chunk of stream) { chunk.content; chunk.tool_calls; chunk.finishReason }
// (spec §7–§9). While `sogni.chat` is undefined the panel stays disabled behind a notice.
// Tool calls are shown as cards. The Sogni media tools are the SDK's own: their definitions
// come from `SogniTools` and `sogni.chat.tools.execute()` runs them through the projects API;
// the results render inline and the conversation continues with the tool results.
import { $, el, debounce, dropzone, fillSelect, showError, explain, amount } from './ui.js';

const DEFAULT_MODEL = 'qwen3.6-35b-a3b-gguf-iq4xs';
const MAX_TOOL_ROUNDS = 4;

/** The Sogni tools the page offers the model (definitions from the SDK's `SogniTools`). */
export const SOGNI_TOOL_KEYS = ['generateImage', 'generateVideo', 'generateMusic'];

/** Fallback definitions, for an SDK build without `SogniTools`. */
export const MEDIA_TOOLS = [
  {
    type: 'function',
    function: {
      name: 'generate_image',
      description: 'Create an image from a text prompt.',
      parameters: {
        type: 'object',
        properties: {
          prompt: { type: 'string', description: 'What the image shows' },
          width: { type: 'integer', description: 'Width in pixels', minimum: 256, maximum: 2048, default: 512 },
          height: { type: 'integer', description: 'Height in pixels', minimum: 256, maximum: 2048, default: 512 }
        },
        required: ['prompt']
      }
    }
  },
  {
    type: 'function',
    function: {
      name: 'generate_video',
      description: 'Create a short video from a text prompt.',
      parameters: {
        type: 'object',
        properties: { prompt: { type: 'string', description: 'What happens in the video' }, duration: { type: 'number', description: 'Seconds', minimum: 1, maximum: 10, default: 2 } },
        required: ['prompt']
      }
    }
  },
  {
    type: 'function',
    function: {
      name: 'generate_music',
      description: 'Compose a piece of music.',
      parameters: {
        type: 'object',
        properties: {
          prompt: { type: 'string', description: 'Style and mood' },
          lyrics: { type: 'string', description: 'Lyrics; empty for instrumental', default: '' },
          duration: { type: 'number', description: 'Seconds', minimum: 10, maximum: 600, default: 30 }
        },
        required: ['prompt']
      }
    }
  }
];

/** Splits streamed text into thinking (`<think>…</think>`, maybe still open) and answer. */
export function splitThinking(text) {
  let thinking = '';
  let answer = '';
  let rest = text;
  while (rest.length) {
    const open = rest.indexOf('<think>');
    if (open < 0) {
      answer += rest;
      break;
    }
    answer += rest.slice(0, open);
    const close = rest.indexOf('</think>', open + 7);
    if (close < 0) {
      thinking += rest.slice(open + 7);
      break;
    }
    thinking += rest.slice(open + 7, close);
    rest = rest.slice(close + 8);
  }
  return { thinking: thinking.trim(), answer: answer.replace(/^\s+/, '') };
}

/** Merges streamed tool-call deltas by `index`, as the official ChatStream does. */
export function mergeToolCalls(calls, deltas) {
  for (const d of deltas || []) {
    const i = d.index ?? calls.length;
    const call = (calls[i] ||= { id: '', type: 'function', function: { name: '', arguments: '' } });
    if (d.id) call.id = d.id;
    if (d.function?.name) call.function.name = d.function.name;
    if (d.function?.arguments) call.function.arguments += d.function.arguments;
  }
  return calls;
}

/** A PNG or JPEG data URI with the longest side at most 1024 px (the vision path's rule). */
async function toVisionDataUri(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, 1024 / Math.max(bitmap.width, bitmap.height));
  const canvas = el('canvas', { width: Math.max(1, Math.round(bitmap.width * scale)), height: Math.max(1, Math.round(bitmap.height * scale)) });
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close?.();
  return canvas.toDataURL(file.type === 'image/png' ? 'image/png' : 'image/jpeg', 0.9);
}

export function setupChat(ctx) {
  const form = $('chat-form');
  const fieldset = $('chat-fieldset');
  const log = $('chat-log');
  const input = $('chat-input');
  const send = $('chat-send');
  const stop = $('chat-stop');
  const modelSel = $('chat-model');
  const attachments = dropzone(form.querySelector('.chat-attach'));
  let messages = [];
  let stopRequested = false;
  let busy = false;
  let modelsListener = null;

  const chatApi = () => ctx.sogni()?.chat;
  const available = () => typeof chatApi()?.completions?.create === 'function';

  function fillModels(models = chatApi()?.models) {
    const ids = models && typeof models === 'object' ? Object.keys(models) : [];
    const workers = (v) => (typeof v === 'number' ? v : v?.workers);
    fillSelect(
      modelSel,
      (ids.length ? ids : [DEFAULT_MODEL]).map((id) => [id, models?.[id] != null ? `${id} — ${workers(models[id])} workers` : id]),
      DEFAULT_MODEL
    );
  }

  /** Enables the panel when the SDK has chat; otherwise shows the "coming" notice. */
  function refresh() {
    const on = available();
    $('chat-unavailable').hidden = on;
    $('chat-badge').hidden = on;
    fieldset.disabled = !on;
    form.classList.toggle('unavailable', !on);
    if (on) {
      const chat = chatApi();
      fillModels();
      if (modelsListener?.chat !== chat) {
        modelsListener = { chat };
        if (typeof chat.on === 'function') chat.on('modelsUpdated', (m) => fillModels(m && typeof m === 'object' ? m : undefined));
        if (typeof chat.waitForModels === 'function') {
          chat.waitForModels().then((m) => fillModels(m), (err) => showError(err, 'Chat models'));
        }
      }
      estimate();
    }
    return on;
  }

  function bubble(role, ...children) {
    const li = el('li', { class: `msg ${role}` }, el('span', { class: 'role', text: role === 'user' ? 'You' : role === 'assistant' ? 'Assistant' : 'Error' }), ...children);
    log.append(li);
    log.scrollTop = log.scrollHeight;
    return li;
  }

  /** One assistant turn as it streams: thinking (collapsible), answer text, tool cards. */
  function assistantBubble() {
    const thinkingText = el('div', { class: 'thinking-text' });
    const thinking = el('details', { class: 'thinking', hidden: true }, el('summary', { text: 'Thinking' }), thinkingText);
    const answer = el('div', { class: 'answer' });
    const tools = el('div', { class: 'tools' });
    const li = bubble('assistant', thinking, answer, tools);
    return {
      li,
      tools,
      setText(raw) {
        const { thinking: t, answer: a } = splitThinking(raw);
        thinking.hidden = !t;
        thinkingText.textContent = t;
        answer.textContent = a;
        log.scrollTop = log.scrollHeight;
      }
    };
  }

  function toolCard(container, call) {
    const status = el('span', { class: 'status', text: 'called' });
    const args = el('pre', {});
    const body = el('div', { class: 'tool-body' });
    const card = el('div', { class: 'tool-card', 'data-tool': call.function.name }, el('h4', {}, el('span', { class: 'tool-kind', text: 'Tool call' }), ` ${call.function.name || 'tool'} `, status), args, body);
    container.append(card);
    return {
      update(c) {
        card.dataset.tool = c.function.name;
        card.querySelector('h4').childNodes[1].textContent = ` ${c.function.name || 'tool'} `;
        try {
          args.textContent = JSON.stringify(JSON.parse(c.function.arguments || '{}'), null, 2);
        } catch {
          args.textContent = c.function.arguments;
        }
      },
      status: (s) => (status.textContent = s),
      body
    };
  }

  /** The tool definitions offered to the model. */
  function offeredTools() {
    const SogniTools = ctx.sdk?.()?.SogniTools;
    return SogniTools ? SOGNI_TOOL_KEYS.map((k) => SogniTools[k]) : MEDIA_TOOLS;
  }

  /** Runs a Sogni tool call with the SDK's `chat.tools.execute`; the media shows in the card. */
  async function runSogniTool(call, card) {
    card.status('running…');
    const bar = el('progress', { max: 100, value: 0, 'aria-label': `${call.function.name} progress` });
    card.body.append(bar);
    const result = await chatApi().tools.execute(call, {
      tokenType: ctx.tokenType(),
      network: ctx.network(),
      onProgress: (p) => (bar.value = p.percent || 0)
    });
    bar.remove();
    const kind = (() => {
      try {
        return JSON.parse(result.content).media_type;
      } catch {
        return 'image';
      }
    })();
    for (const url of result.resultUrls) {
      const media =
        kind === 'video'
          ? el('video', { src: url, controls: true, playsInline: true, loop: true, 'aria-label': call.function.name })
          : kind === 'audio'
            ? el('audio', { src: url, controls: true, 'aria-label': call.function.name })
            : el('img', { src: url, alt: call.function.name });
      card.body.append(media);
    }
    if (result.success) {
      card.status('done');
    } else {
      card.status('failed');
      card.body.append(el('p', { class: 'project-error', text: result.error }));
    }
    return result.content;
  }

  /** Runs a media tool through the projects API; the media shows in the card. */
  async function runTool(call, card) {
    const sogni = ctx.sogni();
    let args;
    try {
      args = JSON.parse(call.function.arguments || '{}');
    } catch {
      return { error: 'arguments are not valid JSON' };
    }
    const common = { tokenType: ctx.tokenType(), numberOfMedia: 1 };
    let params;
    switch (call.function.name) {
      case 'generate_image':
        params = { type: 'image', modelId: ctx.pickModel('image', ['z_image_turbo_bf16', 'flux1-schnell-fp8']), positivePrompt: String(args.prompt || ''), sizePreset: 'custom', width: args.width || 512, height: args.height || 512, ...common };
        break;
      case 'generate_video':
        params = { type: 'video', network: 'fast', modelId: ctx.pickModel('video', ['ltx23-22b-fp8_t2v_distilled', 'wan_v2.2-14b-fp8_t2v_lightx2v']), positivePrompt: String(args.prompt || ''), duration: args.duration || 2, width: 832, height: 480, ...common };
        break;
      case 'generate_music':
        params = { type: 'audio', network: 'fast', modelId: ctx.pickModel('audio', ['ace_step_1.5_turbo']), positivePrompt: String(args.prompt || ''), lyrics: args.lyrics || undefined, duration: args.duration || 30, ...common };
        break;
      default:
        card.status('not run');
        card.body.append(el('p', { class: 'hint', text: 'This page does not run this tool.' }));
        return { error: `unknown tool ${call.function.name}` };
    }
    card.status('running…');
    const bar = el('progress', { max: 100, value: 0, 'aria-label': `${call.function.name} progress` });
    card.body.append(bar);
    try {
      const project = await sogni.projects.create(params);
      project.on('progress', (p) => (bar.value = p));
      const urls = await project.waitForCompletion();
      bar.remove();
      for (const url of urls) {
        const media =
          params.type === 'image'
            ? el('img', { src: url, alt: params.positivePrompt })
            : params.type === 'video'
              ? el('video', { src: url, controls: true, playsInline: true, loop: true, 'aria-label': params.positivePrompt })
              : el('audio', { src: url, controls: true, 'aria-label': params.positivePrompt });
        card.body.append(media);
      }
      card.status('done');
      return { status: 'completed', type: params.type, modelId: params.modelId, urls };
    } catch (err) {
      bar.remove();
      const info = explain(err);
      card.status('failed');
      card.body.append(el('p', { class: 'project-error', text: `${info.title}: ${info.detail} (code ${info.code})` }));
      return { status: 'failed', error: info.detail, code: info.code };
    }
  }

  async function converse(userContent) {
    messages.push({ role: 'user', content: userContent });
    const useTools = $('chat-tools').checked;
    for (let round = 0; round < MAX_TOOL_ROUNDS && !stopRequested; round++) {
      const view = assistantBubble();
      let raw = '';
      const calls = [];
      const cards = [];
      let finishReason;
      const stream = await chatApi().completions.create({
        model: modelSel.value,
        messages,
        stream: true,
        think: $('chat-think').checked,
        taskProfile: $('chat-profile').value,
        tokenType: ctx.tokenType(),
        ...(useTools ? { tools: offeredTools(), tool_choice: 'auto' } : {})
      });
      for await (const chunk of stream) {
        if (stopRequested) break; // `break` ends the stream locally (there is no chat-cancel message)
        raw += chunk.content || '';
        view.setText(raw);
        if (chunk.tool_calls?.length) {
          mergeToolCalls(calls, chunk.tool_calls);
          calls.forEach((c, i) => (cards[i] ||= toolCard(view.tools, c)).update(c));
        }
        finishReason = chunk.finishReason || chunk.finish_reason || finishReason;
      }
      view.li.dataset.finishReason = finishReason || 'stop';
      const done = calls.filter(Boolean);
      messages.push({ role: 'assistant', content: raw || null, ...(done.length ? { tool_calls: done } : {}) });
      if (!done.length || stopRequested) break;
      for (const [i, call] of done.entries()) {
        const card = cards[i] || toolCard(view.tools, call);
        const sdk = ctx.sdk?.();
        const content = sdk?.isSogniToolCall?.(call) && chatApi().tools
          ? await runSogniTool(call, card)
          : JSON.stringify(await runTool(call, card));
        messages.push({ role: 'tool', tool_call_id: call.id, name: call.function.name, content });
      }
    }
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (busy || !refresh()) return;
    const text = input.value.trim();
    const files = attachments.files();
    if (!text && !files.length) return;
    busy = true;
    stopRequested = false;
    send.disabled = true;
    stop.disabled = false;
    try {
      const images = await Promise.all(files.map(toVisionDataUri));
      bubble('user', images.length ? el('div', { class: 'attachments' }, ...images.map((src, i) => el('img', { class: 'attachment', src, alt: `Attached image ${i + 1}` }))) : null, el('div', { class: 'text', text }));
      input.value = '';
      attachments.clear();
      const content = images.length ? [...images.map((url) => ({ type: 'image_url', image_url: { url } })), { type: 'text', text }] : text;
      await converse(content);
    } catch (err) {
      const info = explain(err);
      bubble('error', `${info.title}: ${info.detail} (${info.name}${info.code !== '' ? `, code ${info.code}` : ''})`);
      showError(err, 'Chat');
    } finally {
      busy = false;
      send.disabled = false;
      stop.disabled = true;
      estimate();
    }
  });
  /** `chat.estimateCost` (when the SDK has it) for the message as typed. */
  let estimateSeq = 0;
  const estimateEl = $('chat-estimate');
  const estimate = debounce(async () => {
    const chat = chatApi();
    estimateEl.hidden = typeof chat?.estimateCost !== 'function';
    if (estimateEl.hidden) return;
    const mine = ++estimateSeq;
    try {
      const cost = await chat.estimateCost({
        model: modelSel.value,
        messages: [...messages, { role: 'user', content: input.value || ' ' }],
        think: $('chat-think').checked,
        taskProfile: $('chat-profile').value,
        tokenType: ctx.tokenType()
      });
      if (mine !== estimateSeq) return;
      const token = ctx.tokenType() === 'sogni' ? 'Sogni' : 'Spark';
      estimateEl.classList.remove('error');
      estimateEl.textContent = `Cost: at most about ${amount(cost.costInToken)} ${token} ($${amount(cost.costInUSD)}) for ${cost.inputTokens} prompt + up to ${cost.outputTokens} answer tokens`;
    } catch (err) {
      if (mine !== estimateSeq) return;
      const info = explain(err);
      estimateEl.classList.add('error');
      estimateEl.textContent = `No estimate: ${info.detail} (${info.name}, code ${info.code})`;
    }
  }, 300);
  form.addEventListener('input', estimate);
  form.addEventListener('change', estimate);

  stop.addEventListener('click', () => (stopRequested = true));
  $('chat-clear').addEventListener('click', () => {
    messages = [];
    log.replaceChildren();
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });

  return { refresh };
}
