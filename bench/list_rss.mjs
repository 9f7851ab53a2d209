// The server's memory through the list reads (issue 13, `make bench`, not a test): serves the
// database bench_list built (node bench/list_rss.mjs DB), runs every list filter over HTTP (first
// page and 20 pages deep by cursor), then the dashboard's download (every order of the last 30
// days, 500 a page, as web/js/views/dashboard.js does), and reads the server's peak resident
// memory (VmHWM of /proc/PID/status) after each phase. The target: under 200 MB.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { serve } from './serve.mjs';

const db = process.argv[2] || '/tmp/jiesu-bench-list.db';
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
const t0 = Date.now();
let pages = 0;
for (const f of filters) {
  let cursor = '';
  for (let p = 0; p < 21; p++) {
    const { json } = await get({ ...f, limit: 50, ...(cursor ? { cursor } : {}) });
    pages++;
    cursor = json.next_cursor;
    if (!cursor) break;
  }
  console.error(`list_rss: ${JSON.stringify(f)} done at ${((Date.now() - started) / 1e3).toFixed(1)} s`);
}
const s1 = status();
console.log(`list_rss: ${filters.length} filters, ${pages} pages of 50 in ${((Date.now() - t0) / 1e3).toFixed(1)} s:`
  + ` VmHWM ${mb(s1.VmHWM)} MB, VmRSS ${mb(s1.VmRSS)} MB`);

// the dashboard: every order of the last 30 days, oldest first, 500 a page (up to 20,000)
const t1 = Date.now();
let n = 0, bytes = 0, cursor = '';
do {
  const { json, bytes: b } = await get({ from: day(NOW - 30 * 86400e3), sort: 'created_asc', limit: 500, ...(cursor ? { cursor } : {}) });
  n += json.items.length;
  bytes += b;
  cursor = json.next_cursor;
} while (cursor && n < 20000);
const s2 = status();
console.log(`list_rss: dashboard download ${n} orders, ${(bytes / 1e6).toFixed(1)} MB of JSON in ${((Date.now() - t1) / 1e3).toFixed(1)} s:`
  + ` VmHWM ${mb(s2.VmHWM)} MB, VmRSS ${mb(s2.VmRSS)} MB (target < 200 MB)`);
await server.stop();
process.exit(parseInt(s2.VmHWM, 10) / 1024 < 200 ? 0 : 1);
