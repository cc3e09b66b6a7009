// The sogni-wasm demo: signs in, shows the account and its live balance, and drives the
// Image, Video, Audio and (once the SDK has it) Chat panels through the package's browser
// entry, exactly as an app would: `import { SogniClient } from 'sogni-wasm'`.
import { $, el, showError, showNotice, amount } from './ui.js';
import { listenToFeeds } from './projects-view.js';
import { setupImage } from './image.js';
import { setupVideo } from './video.js';
import { setupAudio } from './audio.js';
import { setupChat } from './chat.js';

const SETTINGS_KEY = 'sogni-wasm-demo.settings';
const APP_ID_KEY = 'sogni-wasm-demo.appId';
const SUPERNET = { restEndpoint: 'https://api.sogni.ai', socketEndpoint: 'wss://socket.sogni.ai' };

const state = {
  sdk: null,
  config: null, // /config.json from `cargo xtask demo`: the emulator's endpoints and demo user
  settings: null,
  sogni: null,
  models: [],
  signingOut: false
};

// One app id per tab: two connections with the same app id and account replace each other.
const appId = sessionStorage.getItem(APP_ID_KEY) || `sogni-wasm-demo-${crypto.randomUUID()}`;
sessionStorage.setItem(APP_ID_KEY, appId);

const ctx = {
  sogni: () => state.sogni,
  sdk: () => state.sdk,
  tokenType: () => $('token-type').value,
  network: () => state.settings?.network || 'fast',
  /** The first preferred model that has workers, else the busiest of that media. */
  pickModel(media, preferred) {
    const of = state.models.filter((m) => m.media === media && m.workerCount > 0);
    return preferred.find((id) => of.some((m) => m.id === id)) || of.sort((a, b) => b.workerCount - a.workerCount)[0]?.id || preferred[0];
  }
};

// ---------------------------------------------------------------- settings

function loadSettings() {
  let saved = {};
  try {
    saved = JSON.parse(localStorage.getItem(SETTINGS_KEY) || '{}');
  } catch {
    saved = {};
  }
  const target = saved.target || (state.config ? 'emulator' : 'supernet');
  return { target, authType: saved.authType || 'token', network: saved.network || 'fast', custom: saved.custom || {} };
}

function endpoints(settings = state.settings) {
  if (settings.target === 'emulator' && state.config) return { restEndpoint: state.config.restEndpoint, socketEndpoint: state.config.socketEndpoint };
  if (settings.target === 'custom' && settings.custom.restEndpoint) return settings.custom;
  return SUPERNET;
}

function renderSettings() {
  const s = state.settings;
  const form = $('settings-form');
  form.elements.target.value = s.target;
  const ep = endpoints(s);
  $('rest-endpoint').value = ep.restEndpoint;
  $('socket-endpoint').value = ep.socketEndpoint;
  for (const id of ['rest-endpoint', 'socket-endpoint']) $(id).readOnly = s.target !== 'custom';
  $('auth-type').value = s.authType;
  $('network').value = s.network;
  $('app-id').textContent = appId;
  $('emulator-endpoints').textContent = state.config ? `(${state.config.restEndpoint})` : '(not available: the page was not started by cargo xtask demo)';
  form.querySelector('input[value=emulator]').disabled = !state.config;
  $('target-label').textContent = s.target === 'emulator' ? 'local emulator' : s.target === 'supernet' ? 'Sogni Supernet' : new URL(ep.restEndpoint).host;
  // Demo credentials only make sense on the emulator.
  $('demo-hint').hidden = s.target !== 'emulator';
  if (s.target === 'emulator' && state.config) {
    $('username').value ||= state.config.username;
    $('password').value ||= state.config.password;
    $('api-key').value ||= state.config.apiKey;
  }
}

function setupSettings() {
  const form = $('settings-form');
  const toggle = $('settings-toggle');
  const panel = $('settings');
  const show = (open) => {
    panel.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open) renderSettings();
  };
  toggle.addEventListener('click', () => show(panel.hidden));
  $('settings-close').addEventListener('click', () => show(false));
  form.addEventListener('change', (ev) => {
    if (ev.target.name !== 'target') return;
    const target = form.elements.target.value;
    const ep = target === 'emulator' && state.config ? state.config : target === 'supernet' ? SUPERNET : { ...endpoints(), ...state.settings.custom };
    $('rest-endpoint').value = ep.restEndpoint || '';
    $('socket-endpoint').value = ep.socketEndpoint || '';
    for (const id of ['rest-endpoint', 'socket-endpoint']) $(id).readOnly = target !== 'custom';
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const target = form.elements.target.value;
    const next = {
      target,
      authType: $('auth-type').value,
      network: $('network').value,
      custom: target === 'custom' ? { restEndpoint: $('rest-endpoint').value.trim(), socketEndpoint: $('socket-endpoint').value.trim() } : state.settings.custom
    };
    if (target === 'custom') {
      try {
        new URL(next.custom.restEndpoint);
        new URL(next.custom.socketEndpoint);
      } catch {
        showError(new TypeError('Both endpoints must be full URLs, e.g. https://api.example.com and wss://socket.example.com'), 'Settings not saved');
        return;
      }
    }
    if (target !== state.settings.target) {
      $('username').value = '';
      $('password').value = '';
      $('api-key').value = '';
    }
    state.settings = next;
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(next));
    await signOut();
    renderSettings();
    show(false);
    showNotice('Settings saved', `Sign in to ${$('target-label').textContent} (${endpoints().restEndpoint}).`);
  });
}

// ---------------------------------------------------------------- connection and account

function setConn(kind, text) {
  const pill = $('conn');
  pill.dataset.state = kind;
  pill.textContent = text;
}

/** Clients still trying to sign in: their failures are reported by the caller, not twice. */
const quietClients = new WeakSet();

async function newClient(extra = {}, { quiet = false } = {}) {
  const { SogniClient } = state.sdk;
  const sogni = await SogniClient.createInstance({
    appId,
    ...endpoints(),
    network: state.settings.network,
    ...(state.settings.authType === 'cookies' ? { authType: 'cookies' } : {}),
    logLevel: 'warn',
    ...extra
  });
  if (quiet) quietClients.add(sogni);
  sogni.on('error', (err) => (quietClients.has(sogni) ? console.warn(err) : showError(err, 'In the background')));
  sogni.apiClient.on('connecting', () => setConn('connecting', state.sogni === sogni && $('conn').dataset.state === 'connected' ? 'Reconnecting…' : 'Connecting…'));
  sogni.apiClient.on('connected', (info) => {
    setConn('connected', `Connected · ${info?.network || state.settings.network}`);
    $('reconnect').hidden = true;
  });
  sogni.apiClient.on('disconnected', (info) => onDisconnected(sogni, info));
  return sogni;
}

function onDisconnected(sogni, info) {
  if (state.sogni !== sogni || state.signingOut) return;
  const code = info?.code ?? 0;
  setConn('disconnected', `Disconnected (${code})`);
  if (quietClients.has(sogni)) return;
  const err = new state.sdk.TransportError(info?.reason || 'The live connection closed', { code });
  if (code === 4015 || code < 4000) {
    // The session is still valid: the next request reconnects, or the button does now.
    $('reconnect').hidden = false;
    showError(err, 'Connection lost', {
      actions: [el('button', { type: 'button', onclick: (ev) => reconnect(ev.target.closest('.alert')) }, 'Reconnect')]
    });
  } else {
    // 4xxx closes other than 4015 end the session (the SDK forgot the credentials).
    showError(err, 'Signed out by the server');
    signOut({ serverSide: false });
  }
}

async function reconnect(alert) {
  const sogni = state.sogni;
  if (!sogni) return;
  setConn('connecting', 'Reconnecting…');
  try {
    // Any socket request reopens the connection; switching to the current network is a no-op one.
    await sogni.account.switchNetwork(sogni.currentAccount.network || state.settings.network);
    alert?.remove();
    $('reconnect').hidden = true;
  } catch (err) {
    showError(err, 'Reconnect failed');
  }
}

function renderAccount() {
  const acct = state.sogni?.currentAccount;
  if (!acct) return;
  $('account-name').textContent = acct.username || '…';
  const b = acct.balance;
  const bal = $('balance');
  if (!b) {
    bal.textContent = 'balance loading…';
    return;
  }
  bal.replaceChildren('Spark ', el('strong', { id: 'balance-spark', text: amount(b.spark?.net) }), ' · Sogni ', el('strong', { id: 'balance-sogni', text: amount(b.sogni?.net) }));
  bal.title = `Spark settled ${b.spark?.settled}, credit ${b.spark?.credit}, debit ${b.spark?.debit}; Sogni settled ${b.sogni?.settled}`;
}

function onModels(models) {
  state.models = models || [];
  for (const panel of panels) panel.onModels?.(state.models);
}

async function enterWorkspace(sogni) {
  state.sogni = sogni;
  quietClients.delete(sogni);
  sogni.currentAccount.on('updated', renderAccount);
  sogni.projects.on('availableModels', onModels);
  listenToFeeds(sogni);
  $('signin').hidden = true;
  $('workspace').hidden = false;
  $('account').hidden = false;
  renderAccount();
  for (const panel of panels) panel.onSignedIn?.();
  chat.refresh();
  try {
    onModels(await sogni.projects.waitForModels(20_000));
  } catch (err) {
    showError(err, 'No model list');
  }
  sogni.account.refreshBalance().then(renderAccount, (err) => showError(err, 'Balance'));
}

async function signIn(username, password) {
  const sogni = await newClient();
  try {
    await sogni.account.login(username, password);
  } catch (err) {
    sogni.dispose();
    throw err;
  }
  await enterWorkspace(sogni);
}

async function signOut({ serverSide = true } = {}) {
  const sogni = state.sogni;
  state.signingOut = true;
  state.sogni = null;
  try {
    if (sogni && serverSide) await sogni.account.logout().catch((err) => console.warn('logout', err));
    sogni?.dispose();
  } finally {
    state.signingOut = false;
  }
  $('workspace').hidden = true;
  $('account').hidden = true;
  $('signin').hidden = false;
  $('reconnect').hidden = true;
  setConn('idle', 'Signed out');
  chat.refresh();
}

function setupSignIn() {
  const login = $('login-form');
  login.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const button = $('login-button');
    button.disabled = true;
    button.textContent = 'Signing in…';
    try {
      await signIn($('username').value.trim(), $('password').value);
    } catch (err) {
      setConn('idle', 'Signed out');
      showError(err, 'Sign-in failed');
    } finally {
      button.disabled = false;
      button.textContent = 'Sign in';
    }
  });
  $('apikey-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const button = $('apikey-button');
    button.disabled = true;
    let sogni;
    try {
      sogni = await newClient({ apiKey: $('api-key').value.trim() }, { quiet: true });
      state.sogni = sogni;
      await sogni.projects.waitForModels(10_000);
      await enterWorkspace(sogni); // a server that accepts it (e.g. a same-site proxy adding the header)
    } catch (err) {
      state.sogni = null;
      sogni?.dispose();
      setConn('idle', 'Signed out');
      showError(err, 'API key refused');
    } finally {
      button.disabled = false;
    }
  });
  $('sign-out').addEventListener('click', () => signOut());
  $('reconnect').addEventListener('click', () => reconnect());
  $('token-type').addEventListener('change', () => {
    for (const form of document.querySelectorAll('#workspace form')) form.dispatchEvent(new Event('input'));
  });
}

// ---------------------------------------------------------------- tabs

function setupTabs() {
  const tabs = [...document.querySelectorAll('[role=tab]')];
  const select = (tab, focus = false) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute('aria-controls')).hidden = !on;
    }
    if (tab.id === 'tab-chat') chat.refresh();
    if (focus) tab.focus();
  };
  for (const tab of tabs) {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', (ev) => {
      const i = tabs.indexOf(tab);
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[ev.key];
      if (next == null) return;
      ev.preventDefault();
      select(tabs[(next + tabs.length) % tabs.length], true);
    });
  }
}

// ---------------------------------------------------------------- boot

// A file dropped outside a drop zone must not navigate away from the page.
for (const type of ['dragover', 'drop']) {
  window.addEventListener(type, (ev) => {
    if (!ev.target.closest?.('.dropzone')) ev.preventDefault();
  });
}
window.addEventListener('unhandledrejection', (ev) => showError(ev.reason, 'Unexpected'));
window.addEventListener('error', (ev) => showError(ev.error || ev.message, 'Unexpected'));

const panels = [setupImage(ctx), setupVideo(ctx), setupAudio(ctx)];
const chat = setupChat(ctx);

/** For the browser console and the end-to-end tests. */
window.sogniDemo = {
  get sogni() {
    return state.sogni;
  },
  get sdk() {
    return state.sdk;
  },
  appId,
  refreshChat: () => chat.refresh()
};

async function boot() {
  setupTabs();
  setupSignIn();
  try {
    const res = await fetch('/config.json', { cache: 'no-store' });
    if (res.ok) state.config = await res.json();
  } catch {
    state.config = null; // served by something else than `cargo xtask demo`: no emulator
  }
  state.settings = loadSettings();
  if (state.settings.target === 'emulator' && !state.config) state.settings.target = 'supernet';
  setupSettings();
  renderSettings();
  setConn('connecting', 'Loading the SDK…');
  try {
    state.sdk = await import('/pkg/browser.js');
  } catch (err) {
    setConn('disconnected', 'SDK not loaded');
    showError(err, 'The sogni-wasm package could not be loaded (run cargo xtask demo, which builds pkg/)');
    return;
  }
  setConn('idle', 'Signed out');
  document.body.dataset.ready = 'true';
  // Cookie sign-in survives reloads: ask the server whether this browser is signed in.
  if (state.settings.authType === 'cookies') {
    const sogni = await newClient({}, { quiet: true });
    const signedIn = await sogni.checkAuth().catch(() => false);
    if (signedIn) await enterWorkspace(sogni);
    else sogni.dispose();
  }
}

boot();
