// The Video panel: WAN 2.2, LTX-2.3 and Seedance workflows, each with its reference files,
// duration/fps with the frame count the SDK will send, a live estimate and <video> players.
import { $, el, debounce, dropzone, fillSelect, num, showError, amount, explain } from './ui.js';
import { trackProject } from './projects-view.js';

const IMG = 'referenceImage';
const END = 'referenceImageEnd';
const AUD = 'referenceAudio';
const VID = 'referenceVideo';

/** Reference slots: label and the kind of file each takes. */
const SLOTS = {
  [IMG]: { kind: 'image', label: 'Reference image' },
  [END]: { kind: 'image', label: 'Last frame' },
  [AUD]: { kind: 'audio', label: 'Reference audio' },
  [VID]: { kind: 'video', label: 'Reference video' }
};

/**
 * The workflows: models (speed first), required and optional references, and what they are
 * for. Frame maths per family as the SDK's `calculateVideoFrames`.
 */
export const WORKFLOWS = [
  { id: 'wan-t2v', family: 'wan', label: 'WAN 2.2 · text to video', models: ['wan_v2.2-14b-fp8_t2v_lightx2v', 'wan_v2.2-14b-fp8_t2v'], required: [], optional: [], note: 'Text only. WAN renders at 16 fps; 32 fps doubles the frames by interpolation.' },
  { id: 'wan-i2v', family: 'wan', label: 'WAN 2.2 · image to video', models: ['wan_v2.2-14b-fp8_i2v_lightx2v', 'wan_v2.2-14b-fp8_i2v'], required: [IMG], optional: [END], labels: { [IMG]: 'First frame' }, note: 'Animates a still: the image is the first frame; an optional last frame sets where it ends.' },
  { id: 'wan-s2v', family: 'wan', label: 'WAN 2.2 · sound to video (lip sync)', models: ['wan_v2.2-14b-fp8_s2v_lightx2v', 'wan_v2.2-14b-fp8_s2v'], required: [IMG, AUD], optional: [], labels: { [IMG]: 'Face or subject', [AUD]: 'Speech or song' }, s2v: true, note: 'A face image and a recording: the subject speaks or sings along.' },
  { id: 'wan-animate-move', family: 'wan', label: 'WAN 2.2 · animate (move)', models: ['wan_v2.2-14b-fp8_animate-move_lightx2v'], required: [IMG, VID], optional: [], labels: { [IMG]: 'Character', [VID]: 'Motion source video' }, note: 'The character in the image performs the motion of the video.' },
  { id: 'wan-animate-replace', family: 'wan', label: 'WAN 2.2 · animate (replace)', models: ['wan_v2.2-14b-fp8_animate-replace_lightx2v'], required: [IMG, VID], optional: [], labels: { [IMG]: 'Replacement character', [VID]: 'Source video' }, note: 'Replaces the subject of the video with the character in the image.' },
  { id: 'ltx-t2v', family: 'ltx', label: 'LTX-2.3 · text to video', models: ['ltx23-22b-fp8_t2v_distilled', 'ltx23-22b-fp8_t2v_dev'], required: [], optional: [], note: 'LTX renders at the fps you pick; frames are duration × fps + 1, snapped to 1 + 8n.' },
  { id: 'ltx-i2v', family: 'ltx', label: 'LTX-2.3 · image to video', models: ['ltx23-22b-fp8_i2v_distilled', 'ltx23-22b-fp8_i2v_dev'], required: [IMG], optional: [END], labels: { [IMG]: 'First frame' }, note: 'Starts from the image; an optional last frame sets the ending.' },
  { id: 'ltx-a2v', family: 'ltx', label: 'LTX-2.3 · audio to video', models: ['ltx23-22b-fp8_a2v_distilled', 'ltx23-22b-fp8_a2v_dev'], required: [AUD], optional: [], labels: { [AUD]: 'Soundtrack' }, s2v: true, note: 'A video made to the sound.' },
  { id: 'ltx-ia2v', family: 'ltx', label: 'LTX-2.3 · image + audio to video', models: ['ltx23-22b-fp8_ia2v_distilled', 'ltx23-22b-fp8_ia2v_dev'], required: [IMG, AUD], optional: [], labels: { [IMG]: 'First frame', [AUD]: 'Soundtrack' }, s2v: true, note: 'Starts from the image and follows the sound.' },
  { id: 'ltx-v2v', family: 'ltx', label: 'LTX-2.3 · video to video (ControlNet)', models: ['ltx23-22b-fp8_v2v_distilled', 'ltx23-22b-fp8_v2v_dev'], required: [VID], optional: [], labels: { [VID]: 'Source video' }, v2v: true, note: 'Restyles a video while a control (canny, pose, depth…) keeps its structure.' },
  { id: 'seedance', family: 'seedance', label: 'Seedance 2.0 · text, image, video or audio to video', models: ['seedance-2-0', 'seedance-2-0-fast', 'seedance-2-0-mini', 'seedance-2-5'], required: [], optional: [IMG, VID, AUD], note: 'External model, Spark only, fixed 24 fps, 4–15 s. Refer to the files in the prompt as @Image1, @Video1, @Audio1; audio needs an image or a video too.' }
];

const DURATION = { wan: { min: 1, max: 10, step: 0.5, value: 2 }, ltx: { min: 1, max: 20, step: 0.5, value: 2 }, seedance: { min: 4, max: 15, step: 1, value: 5 } };

/** The frame count the SDK sends (`calculateVideoFrames`), and how it came about. */
export function videoFrames(family, duration, fps) {
  if (!(duration > 0) || !(fps > 0)) return { frames: NaN, how: '' };
  if (family === 'wan') {
    const frames = Math.round(duration * 16) + 1;
    const interp = fps > 16 ? `; output ${fps} fps by interpolation` : '';
    return { frames, how: `${duration} s × 16 + 1 (WAN always renders 16 fps${interp})` };
  }
  const raw = Math.round(duration * fps) + 1;
  if (family === 'ltx') {
    const frames = Math.round((raw - 1) / 8) * 8 + 1;
    return { frames, how: `${duration} s × ${fps} fps + 1 = ${raw}${frames === raw ? ', already on the 1 + 8n grid' : `, snapped to ${frames} on the 1 + 8n grid`}` };
  }
  return { frames: raw, how: `${duration} s × ${fps} fps + 1` };
}

export function setupVideo(ctx) {
  const form = $('video-form');
  const workflow = $('video-workflow');
  const model = $('video-model');
  const fps = $('video-fps');
  const duration = $('video-duration');
  const estimateEl = $('video-estimate');
  let available = [];
  let loadedFor = '';

  // One drop zone per slot; a workflow shows the ones it uses.
  const zones = {};
  for (const [key, slot] of Object.entries(SLOTS)) {
    const id = `video-${key}`;
    const zone = el(
      'div',
      { class: 'dropzone', 'data-slot': key, 'data-accept': slot.kind },
      el('label', { for: id, text: slot.label }),
      el('input', { id, type: 'file', accept: `${slot.kind}/*` }),
      el('div', { class: 'drop-preview', 'aria-live': 'polite' })
    );
    $('video-refs').append(zone);
    zones[key] = { zone, ctl: dropzone(zone, () => estimate()) };
  }

  fillSelect(workflow, WORKFLOWS.map((w) => [w.id, w.label]), 'wan-t2v');
  const current = () => WORKFLOWS.find((w) => w.id === workflow.value) || WORKFLOWS[0];

  function applyWorkflow() {
    const wf = current();
    $('video-workflow-note').textContent = wf.note;
    const used = [...wf.required, ...wf.optional];
    for (const [key, { zone }] of Object.entries(zones)) {
      zone.hidden = !used.includes(key);
      zone.classList.toggle('required', wf.required.includes(key));
      const label = (wf.labels && wf.labels[key]) || SLOTS[key].label;
      zone.querySelector('label').textContent = wf.optional.includes(key) ? `${label} (optional)` : label;
    }
    $('video-refs').hidden = used.length === 0;
    for (const f of form.querySelectorAll('.wf-s2v')) f.hidden = !wf.s2v;
    for (const f of form.querySelectorAll('.wf-v2v')) f.hidden = !wf.v2v;
    Object.assign(duration, DURATION[wf.family]);
    duration.value = DURATION[wf.family].value;
    fillModels();
  }

  function fillModels() {
    const wf = current();
    const byId = new Map(available.map((m) => [m.id, m]));
    const options = wf.models.map((id) => {
      const m = byId.get(id);
      return [id, m ? `${m.name} — ${m.workerCount} worker${m.workerCount === 1 ? '' : 's'}` : `${id} — no workers online`];
    });
    fillSelect(model, options, options.find(([id]) => byId.get(id)?.workerCount > 0)?.[0]);
    loadModel();
  }

  async function loadModel() {
    const sogni = ctx.sogni();
    const id = model.value;
    if (!sogni || !id || loadedFor === id) return estimate();
    loadedFor = id;
    try {
      const o = await sogni.projects.getModelOptions(id);
      const fpsList = Array.isArray(o.fps?.allowed) ? o.fps.allowed : [24];
      fillSelect(fps, fpsList.map((v) => [String(v), `${v} fps`]), String(o.fps?.default ?? fpsList[0]));
      // A modest default size: quick to render and to play back; any size in range works.
      const snap = (range, want) => Math.max(range.min, Math.floor(Math.min(range.default, want) / range.step) * range.step);
      for (const [input, range, want] of [[$('video-width'), o.width, 848], [$('video-height'), o.height, 480]]) {
        Object.assign(input, { min: range.min, max: range.max, step: range.step });
        input.value = snap(range, want);
      }
      for (const [input, range] of [[$('video-steps'), o.steps], [$('video-guidance'), o.guidance]]) {
        input.disabled = !range;
        if (range) {
          Object.assign(input, { min: range.min, max: range.max, step: range.step });
          input.value = range.default;
        } else input.value = '';
      }
      for (const [sel, opt] of [[$('video-sampler'), o.sampler], [$('video-scheduler'), o.scheduler]]) {
        fillSelect(sel, (opt?.allowed || []).map((v) => [v]), opt?.default ?? undefined);
        sel.disabled = !opt?.allowed?.length;
      }
    } catch (err) {
      loadedFor = '';
      showError(err, `Options of ${id}`);
    }
    showFrames();
    estimate();
  }

  function showFrames() {
    const { frames, how } = videoFrames(current().family, Number(duration.value), Number(fps.value));
    const out = $('video-frames');
    out.replaceChildren();
    if (Number.isFinite(frames)) out.append(el('strong', { text: `${frames} frames` }), ` = ${how}`);
    else out.textContent = 'Enter a duration to see the frame count.';
    out.dataset.frames = Number.isFinite(frames) ? String(frames) : '';
  }

  function params() {
    const wf = current();
    const p = {
      type: 'video',
      network: 'fast',
      modelId: model.value,
      tokenType: ctx.tokenType(),
      positivePrompt: $('video-prompt').value,
      negativePrompt: $('video-negative').value || undefined,
      stylePrompt: $('video-style').value || undefined,
      numberOfMedia: num($('video-count')),
      duration: num(duration),
      fps: num(fps),
      width: num($('video-width')),
      height: num($('video-height')),
      steps: $('video-steps').disabled ? undefined : num($('video-steps')),
      guidance: $('video-guidance').disabled ? undefined : num($('video-guidance')),
      seed: num($('video-seed')),
      sampler: $('video-sampler').disabled ? undefined : $('video-sampler').value || undefined,
      scheduler: $('video-scheduler').disabled ? undefined : $('video-scheduler').value || undefined
    };
    for (const key of [...wf.required, ...wf.optional]) {
      const file = zones[key].ctl.file();
      if (file) p[key] = file;
    }
    if (wf.s2v) {
      p.audioStart = num($('video-audio-start'));
      p.audioDuration = num($('video-audio-duration'));
    }
    if (wf.v2v) p.controlNet = { name: $('video-cn-name').value, strength: num($('video-cn-strength')) };
    return p;
  }

  let seq = 0;
  const estimate = debounce(async () => {
    const sogni = ctx.sogni();
    showFrames();
    if (!sogni || !model.value) return;
    const p = params();
    const mine = ++seq;
    estimateEl.classList.remove('error');
    estimateEl.textContent = 'Cost: estimating…';
    try {
      const cost = await sogni.projects.estimateVideoCost({
        model: p.modelId,
        tokenType: p.tokenType,
        network: 'fast',
        width: p.width,
        height: p.height,
        duration: p.duration,
        fps: p.fps,
        steps: p.steps,
        numberOfMedia: p.numberOfMedia ?? 1,
        hasVideoInput: !!p.referenceVideo,
        referenceImageCount: [p.referenceImage, p.referenceImageEnd].filter(Boolean).length || undefined
      });
      if (mine !== seq) return;
      const token = p.tokenType === 'sogni' ? 'Sogni' : 'Spark';
      estimateEl.textContent = `Cost: about ${amount(cost.token)} ${token} ($${amount(cost.usd)})`;
    } catch (err) {
      if (mine !== seq) return;
      const info = explain(err);
      estimateEl.classList.add('error');
      estimateEl.textContent = `No estimate: ${info.detail} (${info.name}, code ${info.code})`;
    }
  }, 250);

  workflow.addEventListener('change', applyWorkflow);
  model.addEventListener('change', loadModel);
  form.addEventListener('input', (ev) => {
    if (ev.target !== workflow && ev.target !== model) estimate();
  });
  form.addEventListener('change', (ev) => {
    if (ev.target === fps) estimate();
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const sogni = ctx.sogni();
    if (!sogni) return;
    const p = params();
    const title = `${current().label} · ${p.positivePrompt.slice(0, 50) || 'Untitled'}`;
    await trackProject({ sogni, params: p, container: $('video-projects'), title });
  });

  applyWorkflow();
  return {
    onModels(models) {
      available = models.filter((m) => m.media === 'video');
      const before = model.value;
      fillModels();
      if (model.value === before) estimate();
    },
    onSignedIn() {
      loadedFor = '';
      loadModel();
    }
  };
}
