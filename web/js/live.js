// New work arrives by itself: while a queue screen is open the client listens to the server's
// event stream (GET /api/v1/changes), which says when anything changed anywhere; it then asks for
// its latest change (the most recently updated order visible to the user, one row of
// GET /api/v1/orders?sort=updated_desc&limit=1); when that differs, the queue is loaded again, the
// navigation shows each queue screen's count as a badge, and a short tone sounds when the first
// queue grew — unless the user switched the sound off (the bell in the top bar, kept per browser).
// While the stream is down, the client looks every few seconds instead.
import * as api from './api.js';

const SOUND_KEY = 'jiesu.sound';
const POLL_MS = 8000;
let timer = null;
let last = null; // "id:version" of the latest change seen
let onChange = null;
let stream = null; // the AbortController of the open event stream
let streamLive = false; // the stream delivered its first event: no need to look by the clock
let lastSeq = null; // the change number last received
let retryMs = 3000; // the pause before opening the stream again
let dirty = false; // a change came while the tab was hidden
let idleClose = null; // closes the stream when no queue screen watches any more
const counts = new Map(); // nav path → count of its first queue

/** True when the user has not switched the sound off. */
export function soundOn() { return localStorage.getItem(SOUND_KEY) !== 'off'; }
/** Switches the sound on or off (remembered in this browser). */
export function setSound(on) { localStorage.setItem(SOUND_KEY, on ? 'on' : 'off'); }

/** Plays a short two-note tone (Web Audio, no file) if the sound is on; returns whether it did. */
export function chime() {
  if (!soundOn()) return false;
  try {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    const ac = new Ctx();
    const t0 = ac.currentTime;
    [880, 1175].forEach((f, i) => {
      const o = ac.createOscillator();
      const g = ac.createGain();
      o.frequency.value = f;
      g.gain.setValueAtTime(0.0001, t0 + i * 0.15);
      g.gain.exponentialRampToValueAtTime(0.2, t0 + i * 0.15 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.15 + 0.14);
      o.connect(g).connect(ac.destination);
      o.start(t0 + i * 0.15);
      o.stop(t0 + i * 0.15 + 0.15);
    });
    setTimeout(() => ac.close(), 600);
  } catch { /* no audio device: the badge and the toast still tell */ }
  const bell = document.getElementById('sound-toggle');
  if (bell) bell.dataset.rang = String(Number(bell.dataset.rang || 0) + 1);
  return true;
}

/** The latest change visible to the user, as "id:version" ("" when none). */
async function latest() {
  const data = await api.get(api.withQuery('/orders', { sort: 'updated_desc', limit: 1 }));
  const o = api.items(data)[0];
  return o ? `${o.id}:${o.version}` : '';
}

/** Reloads the screen when the latest change visible to the user moved (not while a dialog is
 * open or the user is typing: a later look tries again). */
async function check() {
  if (!onChange) return;
  if (document.hidden) { dirty = true; return; }
  try {
    const now = await latest();
    if (last !== null && now !== last && onChange) {
      const busy = document.querySelector('.modal-back') || (document.activeElement && document.activeElement.closest && document.activeElement.closest('.view input, .view textarea, .view select'));
      if (busy) { setTimeout(check, 3000); return; }
      last = now;
      onChange();
      return;
    }
    last = now;
  } catch { /* offline for a moment: the next event or look tries again */ }
}

/** One server-sent event block: a 'change' with a new number makes the client look. */
function onEvent(block) {
  let ev = 'message';
  let data = '';
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) ev = line.slice(6).trim();
    else if (line.startsWith('data:')) data += line.slice(5).trim();
  }
  if (ev !== 'change') return;
  let seq;
  try { seq = JSON.parse(data).seq; } catch { return; }
  streamLive = true;
  retryMs = 3000;
  if (seq !== lastSeq && lastSeq !== null) check();
  lastSeq = seq;
}

/** Reads GET /api/v1/changes (fetch, as EventSource cannot send the bearer token) until it
 * ends; then, while a queue is on view, opens it again after a growing pause. */
async function openStream() {
  if (stream || !onChange || !api.getToken()) return;
  const ctl = new AbortController();
  stream = ctl;
  try {
    const res = await fetch('/api/v1/changes', {
      headers: { Authorization: 'Bearer ' + api.getToken(), Accept: 'text/event-stream' },
      cache: 'no-store',
      signal: ctl.signal,
    });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let pending = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += value;
      let k;
      while ((k = pending.indexOf('\n\n')) >= 0) {
        onEvent(pending.slice(0, k));
        pending = pending.slice(k + 2);
      }
    }
  } catch { /* stopped, offline, or the session ended */ }
  if (stream !== ctl) return; // stop() or a newer stream took over
  stream = null;
  streamLive = false;
  if (onChange) {
    setTimeout(openStream, retryMs);
    retryMs = Math.min(retryMs * 2, 60000);
  }
}

/** Watches for changes while a queue screen is shown; fn() reloads it. Stopped by stop().
 * The server's event stream says when anything changed; while it is down, the client looks
 * every few seconds instead. */
export function watch(fn) {
  onChange = fn;
  clearTimeout(idleClose);
  openStream();
  if (timer) return;
  const tick = () => {
    timer = setTimeout(tick, POLL_MS);
    if (!streamLive && !document.hidden) check();
  };
  latest().then((v) => { last = v; }).catch(() => {});
  timer = setTimeout(tick, POLL_MS);
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && dirty) { dirty = false; check(); }
});

/** Stops watching (the screen on view is not a queue). The stream is closed a little later
 * unless a queue screen watches again (every screen change stops first, a queue redraw too). */
export function stop() {
  onChange = null;
  if (timer) clearTimeout(timer);
  timer = null;
  last = null;
  clearTimeout(idleClose);
  idleClose = setTimeout(() => {
    if (onChange) return;
    const ctl = stream;
    stream = null;
    streamLive = false;
    lastSeq = null;
    if (ctl) ctl.abort();
  }, 5000);
}

/**
 * Records the count of the first queue of a screen (nav path) and draws it as the nav badge;
 * answers how many more there are than the last time (0 the first time).
 */
export function setCount(path, n) {
  const before = counts.has(path) ? counts.get(path) : n;
  counts.set(path, n);
  drawBadges();
  return Math.max(0, n - before);
}

/** Puts the counts on the navigation links (a[data-nav]). */
export function drawBadges() {
  for (const a of document.querySelectorAll('#topbar a[data-nav]')) {
    const n = counts.get(a.dataset.nav.split('?')[0]);
    let b = a.querySelector('.nav-badge');
    if (n === undefined || n === 0) { if (b) b.remove(); continue; }
    if (!b) b = a.appendChild(document.createElement('span'));
    b.className = 'badge nav-badge';
    b.textContent = n > 99 ? '99+' : String(n);
  }
}
