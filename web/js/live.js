// New work arrives by itself: while a queue screen is open the client asks the server every few
// seconds for its latest change (the most recently updated order visible to the user, one row of
// GET /api/v1/orders?sort=updated_desc&limit=1); when it differs, the queue is loaded again, the
// navigation shows each queue screen's count as a badge, and a short tone sounds when the first
// queue grew — unless the user switched the sound off (the bell in the top bar, kept per browser).
import * as api from './api.js';

const SOUND_KEY = 'jiesu.sound';
const POLL_MS = 8000;
let timer = null;
let last = null; // "id:version" of the latest change seen
let onChange = null;
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

/** Watches for changes while a queue screen is shown; fn() reloads it. Stopped by stop(). */
export function watch(fn) {
  onChange = fn;
  if (timer) return;
  const tick = async () => {
    timer = setTimeout(tick, POLL_MS);
    if (document.hidden || !onChange) return;
    try {
      const now = await latest();
      if (last !== null && now !== last && onChange) {
        // not while the user is in a dialog or typing: the next tick tries again
        const busy = document.querySelector('.modal-back') || (document.activeElement && document.activeElement.closest && document.activeElement.closest('.view input, .view textarea, .view select'));
        if (busy) return;
        last = now;
        onChange();
        return;
      }
      last = now;
    } catch { /* offline for a moment: try again */ }
  };
  latest().then((v) => { last = v; }).catch(() => {});
  timer = setTimeout(tick, POLL_MS);
}

/** Stops watching (the screen on view is not a queue). */
export function stop() {
  onChange = null;
  if (timer) clearTimeout(timer);
  timer = null;
  last = null;
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
