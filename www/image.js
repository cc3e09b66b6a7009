// The Image panel: model picker (live worker counts), size presets, the model's own ranges
// for steps/guidance/sampler/scheduler, reference files by drop or picker, a live estimate.
import { $, debounce, dropzone, fillSelect, num, showError, amount, explain } from './ui.js';
import { trackProject } from './projects-view.js';

export function setupImage(ctx) {
  const form = $('image-form');
  const model = $('image-model');
  const size = $('image-size');
  const network = $('image-network');
  const estimateEl = $('image-estimate');
  const strength = $('image-strength');
  const starting = dropzone(form.querySelector('[data-slot=startingImage]'), () => estimate());
  const controlNet = dropzone(form.querySelector('[data-slot=controlNet]'), () => estimate());
  const gallery = $('gallery');
  let loadedFor = '';

  strength.addEventListener('input', () => ($('image-strength-out').textContent = strength.value));
  gallery.addEventListener('change', () => ($('gallery-empty').hidden = gallery.children.length > 0));

  /** The model's options and size presets shape the form. */
  async function loadModel() {
    const sogni = ctx.sogni();
    const id = model.value;
    if (!sogni || !id || loadedFor === `${id}@${network.value}`) return;
    loadedFor = `${id}@${network.value}`;
    try {
      const [options, presets] = await Promise.all([
        sogni.projects.getModelOptions(id),
        sogni.projects.getSizePresets(network.value, id).catch((err) => {
          showError(err, `Size presets of ${id}`);
          return [];
        })
      ]);
      const steps = $('image-steps');
      Object.assign(steps, { min: options.steps.min, max: options.steps.max, step: options.steps.step });
      steps.value = options.steps.default;
      const guidance = $('image-guidance');
      guidance.disabled = !options.guidance;
      if (options.guidance) {
        Object.assign(guidance, { min: options.guidance.min, max: options.guidance.max, step: options.guidance.step });
        guidance.value = options.guidance.default;
      } else guidance.value = '';
      for (const [sel, opt] of [[$('image-sampler'), options.sampler], [$('image-scheduler'), options.scheduler]]) {
        fillSelect(sel, (opt?.allowed || []).map((v) => [v]), opt?.default ?? undefined);
        sel.disabled = !opt?.allowed?.length;
      }
      const presetOptions = presets.map((p) => [p.id, `${p.label} (${p.width}×${p.height})`]);
      fillSelect(size, [...presetOptions, ['custom', 'Custom size…']], presets.some((p) => p.id === 'square') ? 'square' : presetOptions[0]?.[0] || 'custom');
      showCustom();
    } catch (err) {
      loadedFor = '';
      showError(err, `Options of ${id}`);
    }
    estimate();
  }

  function showCustom() {
    for (const f of form.querySelectorAll('.custom-size')) f.hidden = size.value !== 'custom';
  }

  function params() {
    const p = {
      type: 'image',
      modelId: model.value,
      network: network.value,
      tokenType: ctx.tokenType(),
      positivePrompt: $('image-prompt').value,
      negativePrompt: $('image-negative').value || undefined,
      stylePrompt: $('image-style').value || undefined,
      numberOfMedia: num($('image-count')),
      numberOfPreviews: num($('image-previews')),
      steps: num($('image-steps')),
      guidance: $('image-guidance').disabled ? undefined : num($('image-guidance')),
      seed: num($('image-seed')),
      sampler: $('image-sampler').value || undefined,
      scheduler: $('image-scheduler').value || undefined,
      outputFormat: $('image-format').value,
      sizePreset: size.value || undefined
    };
    if (size.value === 'custom') {
      p.width = num($('image-width'));
      p.height = num($('image-height'));
    }
    if (starting.file()) {
      p.startingImage = starting.file();
      p.startingImageStrength = Number(strength.value);
    }
    if (controlNet.file()) {
      p.controlNet = {
        name: $('image-cn-name').value,
        mode: $('image-cn-mode').value,
        strength: num($('image-cn-strength')),
        image: controlNet.file()
      };
    }
    return p;
  }

  let estimateSeq = 0;
  const estimate = debounce(async () => {
    const sogni = ctx.sogni();
    if (!sogni || !model.value) return;
    const p = params();
    const seq = ++estimateSeq;
    estimateEl.classList.remove('error');
    estimateEl.textContent = 'Cost: estimating…';
    try {
      const request = {
        network: p.network,
        tokenType: p.tokenType,
        model: p.modelId,
        imageCount: p.numberOfMedia ?? 1,
        stepCount: p.steps,
        previewCount: p.numberOfPreviews ?? 0,
        cnEnabled: !!p.controlNet,
        ...(p.startingImage ? { startingImageStrength: p.startingImageStrength } : {}),
        ...(p.sizePreset && p.sizePreset !== 'custom' ? { sizePreset: p.sizePreset } : { width: p.width, height: p.height })
      };
      const cost = await sogni.projects.estimateCost(request);
      if (seq !== estimateSeq) return;
      const token = p.tokenType === 'sogni' ? 'Sogni' : 'Spark';
      estimateEl.textContent = `Cost: about ${amount(cost.token)} ${token} ($${amount(cost.usd)}) for ${request.imageCount} image${request.imageCount === 1 ? '' : 's'}`;
      estimateEl.dataset.token = cost.token;
    } catch (err) {
      if (seq !== estimateSeq) return;
      const info = explain(err);
      estimateEl.classList.add('error');
      estimateEl.textContent = `No estimate: ${info.detail} (${info.name}, code ${info.code})`;
    }
  }, 250);

  model.addEventListener('change', () => loadModel());
  network.addEventListener('change', () => loadModel());
  size.addEventListener('change', () => {
    showCustom();
    estimate();
  });
  form.addEventListener('input', (ev) => {
    if (ev.target !== model && ev.target !== network) estimate();
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const sogni = ctx.sogni();
    if (!sogni) return;
    const p = params();
    const title = `${p.positivePrompt.slice(0, 60) || 'Untitled'} · ${p.modelId}`;
    await trackProject({ sogni, params: p, container: $('image-projects'), gallery, title });
    estimate();
  });

  return {
    /** `availableModels` changed (or first arrived). */
    onModels(models) {
      const image = models.filter((m) => m.media === 'image').sort((a, b) => b.workerCount - a.workerCount || a.name.localeCompare(b.name));
      const before = model.value;
      fillSelect(
        model,
        image.map((m) => [m.id, `${m.name} — ${m.workerCount} worker${m.workerCount === 1 ? '' : 's'}`]),
        before || (image.some((m) => m.id === 'flux1-schnell-fp8') ? 'flux1-schnell-fp8' : undefined)
      );
      if (model.value !== before) loadModel();
    },
    onSignedIn() {
      loadedFor = '';
      network.value = ctx.network();
      loadModel();
    },
    estimate
  };
}
