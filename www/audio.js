// The Audio panel: ACE-Step 1.5 music with the model's own ranges (duration, tempo, keys,
// languages), a live estimate and <audio> players.
import { $, debounce, fillSelect, num, showError, amount, explain } from './ui.js';
import { trackProject } from './projects-view.js';

export function setupAudio(ctx) {
  const form = $('audio-form');
  const model = $('audio-model');
  const estimateEl = $('audio-estimate');
  let loadedFor = '';

  async function loadModel() {
    const sogni = ctx.sogni();
    const id = model.value;
    if (!sogni || !id || loadedFor === id) return estimate();
    loadedFor = id;
    try {
      const o = await sogni.projects.getModelOptions(id);
      const ranged = [
        [$('audio-steps'), o.steps],
        [$('audio-duration'), o.duration],
        [$('audio-bpm'), o.bpm],
        [$('audio-creativity'), o.creativity],
        [$('audio-strength'), o.promptStrength]
      ];
      for (const [input, range] of ranged) {
        if (!range) continue;
        Object.assign(input, { min: range.min, max: range.max, step: range.step });
        input.value = range.default;
      }
      const list = (x) => (Array.isArray(x?.allowed) ? x.allowed : []);
      if (list(o.keyscale).length) fillSelect($('audio-keyscale'), list(o.keyscale).map((v) => [v]), o.keyscale.default ?? 'C major');
      if (list(o.language).length) fillSelect($('audio-language'), list(o.language).map((v) => [v]), o.language.default ?? 'en');
      if (list(o.timesignature).length) {
        fillSelect($('audio-timesig'), list(o.timesignature).map((v) => [String(v), { 2: '2/4', 3: '3/4', 4: '4/4', 6: '6/8' }[v] || v]), String(o.timesignature.default ?? '4'));
      }
      if (o.composerMode && typeof o.composerMode.default === 'boolean') $('audio-composer').checked = o.composerMode.default;
    } catch (err) {
      loadedFor = '';
      showError(err, `Options of ${id}`);
    }
    estimate();
  }

  function params() {
    return {
      type: 'audio',
      network: 'fast',
      modelId: model.value,
      tokenType: ctx.tokenType(),
      positivePrompt: $('audio-prompt').value,
      lyrics: $('audio-lyrics').value || undefined,
      language: $('audio-language').value || undefined,
      duration: num($('audio-duration')),
      bpm: num($('audio-bpm')),
      keyscale: $('audio-keyscale').value || undefined,
      timesignature: $('audio-timesig').value || undefined,
      steps: num($('audio-steps')),
      creativity: num($('audio-creativity')),
      promptStrength: num($('audio-strength')),
      composerMode: $('audio-composer').checked,
      seed: num($('audio-seed')),
      numberOfMedia: num($('audio-count')),
      outputFormat: $('audio-format').value
    };
  }

  let seq = 0;
  const estimate = debounce(async () => {
    const sogni = ctx.sogni();
    if (!sogni || !model.value) return;
    const p = params();
    const mine = ++seq;
    estimateEl.classList.remove('error');
    estimateEl.textContent = 'Cost: estimating…';
    try {
      const cost = await sogni.projects.estimateAudioCost({
        model: p.modelId,
        tokenType: p.tokenType,
        duration: p.duration,
        steps: p.steps,
        numberOfMedia: p.numberOfMedia ?? 1
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

  model.addEventListener('change', loadModel);
  form.addEventListener('input', (ev) => {
    if (ev.target !== model) estimate();
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const sogni = ctx.sogni();
    if (!sogni) return;
    const p = params();
    const title = `${p.positivePrompt.slice(0, 60) || 'Untitled'} · ${p.duration ?? '?'} s · ${p.modelId}`;
    await trackProject({ sogni, params: p, container: $('audio-projects'), title });
  });

  return {
    onModels(models) {
      const audio = models.filter((m) => m.media === 'audio').sort((a, b) => b.workerCount - a.workerCount);
      const before = model.value;
      fillSelect(model, audio.map((m) => [m.id, `${m.name} — ${m.workerCount} worker${m.workerCount === 1 ? '' : 's'}`]), before || 'ace_step_1.5_turbo');
      if (model.value !== before) loadModel();
      else estimate();
    },
    onSignedIn() {
      loadedFor = '';
      loadModel();
    }
  };
}
