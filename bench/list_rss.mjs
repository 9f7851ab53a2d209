// The server's memory through the list reads (issue 13, `make bench`, not a test): serves the
// database bench_list built (node bench/list_rss.mjs DB), runs every list filter over HTTP (first
// page and 20 pages deep by cursor), then the dashboard's download (every order of the last 30
// days, 500 a page, as web/js/views/dashboard.js does), and reads the server's peak resident
// memory (VmHWM of /proc/PID/status) after each phase. The target: under 200 MB.
// --train: the stored suggestion models are deleted first, so that the server trains new ones
// while the reads run; the reads and the download go round until the training has ended.
// --stop-at S (with --train): the server is stopped S seconds after its start instead, during
// the training, and the time it takes to exit is printed.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { serve } from './serve.mjs';

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const train = args.includes('--train');
const stopAt = opt('--stop-at') !== undefined ? Number(opt('--stop-at')) : undefined;
const db = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--stop-at') || '/tmp/jiesu-bench-list.db';
if (train)
  execFileSync('sqlite3', [db, "DELETE FROM blobs WHERE key LIKE 'model:%'"]);
const NOW = Date.parse('2026-12-01T00:00:00+08:00');
const server = await serve(db, 'rss');
const started = server.started;

const status = () => Object.fromEntries(readFileSync(`/proc/${server.pid}/status`, 'utf8')
  .split('\n').filter((l) => /^Vm(HWM|RSS)/.test(l)).map((l) => l.split(/:\s+/)));
const mb = (s) => (parseInt(s, 10) / 1024).toFixed(1);

console.error(`list_rss: logged in after ${((Date.now() - started) / 1e3).toFixed(1)} s`);
const get = async (q) => server.get(`orders?${new URLSearchParams(q)}`);

const units = execFileSync('sqlite3', [db, 'SELECT id FROM units ORDER BY id'], { encoding: 'utf8' }).trim().split('\n');
const day = (ms) => new Date(ms).toISOString().slice(0, 10);
const filters = [
  {}, { status: 'closed' }, { status: 'coordination' }, { status: 'received', sort: 'created_asc' },
  { status: 'replied', sort: 'updated_desc' }, { status: 'callback,answered', sort: 'updated_desc' },
  { status: 'dispatched,handling' }, { status: 'dispatched,handling,returned,replied,coordination', sort: 'deadline_asc' },
  ...units.slice(0, 10).map((u) => ({ unit_id: u })), { channel: 'web' }, { type: 'complaint' }, { level: 'urgent' },
  { overdue: 'true' }, { overdue: 'true', status: 'dispatched,handling' },
  { from: day(NOW - 60 * 86400e3), to: day(NOW - 53 * 86400e3) }, { q: '噪音' }, { q: '停车', status: 'closed' },
];
const trained = () => /已用 \d+ 张工单训练建议|训练分类与承办单位建议失败|建议的训练已中止/.test(server.stderr());
const since = () => `${((Date.now() - started) / 1e3).toFixed(1)} s`;

// every filter, 21 pages each: how many pages
const reads = async (quiet) => {
  let pages = 0;
  for (const f of filters) {
    let cursor = '';
    for (let p = 0; p < 21; p++) {
      const { json } = await get({ ...f, limit: 50, ...(cursor ? { cursor } : {}) });
      pages++;
      cursor = json.next_cursor;
      if (!cursor) break;
    }
    if (!quiet) console.error(`list_rss: ${JSON.stringify(f)} done at ${since()}`);
  }
  return pages;
};
// the dashboard: every order of the last 30 days, oldest first, 500 a page (up to 20,000)
const dashboard = async () => {
  let n = 0, bytes = 0, cursor = '';
  do {
    const { json, bytes: b } = await get({ from: day(NOW - 30 * 86400e3), sort: 'created_asc', limit: 500, ...(cursor ? { cursor } : {}) });
    n += json.items.length;
    bytes += b;
    cursor = json.next_cursor;
  } while (cursor && n < 20000);
  return { n, bytes };
};

let round = 0, last;
do {
  const t0 = Date.now();
  const pages = await reads(round > 0);
  const s1 = status();
  console.log(`list_rss: ${train ? `round ${round + 1} at ${since()}: ` : ''}${filters.length} filters, ${pages} pages of 50 in ${((Date.now() - t0) / 1e3).toFixed(1)} s:`
    + ` VmHWM ${mb(s1.VmHWM)} MB, VmRSS ${mb(s1.VmRSS)} MB`);
  const t1 = Date.now();
  const { n, bytes } = await dashboard();
  last = status();
  console.log(`list_rss: dashboard download ${n} orders, ${(bytes / 1e6).toFixed(1)} MB of JSON in ${((Date.now() - t1) / 1e3).toFixed(1)} s:`
    + ` VmHWM ${mb(last.VmHWM)} MB, VmRSS ${mb(last.VmRSS)} MB (target < 200 MB)`);
  round++;
} while (train && !trained() && (stopAt === undefined || Date.now() - started < stopAt * 1e3)
  && Date.now() - started < 30 * 60e3);
if (stopAt !== undefined)
  while (Date.now() - started < stopAt * 1e3)
    await new Promise((resolve) => setTimeout(resolve, 100));
const end = status();
const stoppedAt = since();
const ms = await server.stop();
const log = server.stderr().split('\n').filter((l) => /训练/.test(l)).join('\n');
if (train)
  console.log(`list_rss: the trainer said: ${log || '(nothing)'}`);
console.log(`list_rss: stopped at ${stoppedAt}; exit took ${ms} ms. Peak over the whole run: VmHWM ${mb(end.VmHWM)} MB (target < 200 MB)`);
process.exit(parseInt(end.VmHWM, 10) / 1024 < 200 ? 0 : 1);
