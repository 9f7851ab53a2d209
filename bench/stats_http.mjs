// The dashboard's figures over HTTP (issue 16, `make bench`, not a test): serves the database
// bench_stats built (node bench/stats_http.mjs DB), logs in as a supervisor and times every
// GET /api/v1/stats request the dashboard makes (web/js/views/dashboard.js) for a year and for
// 30 days before the benchmark's "today" (2026-12-01), plus the drill-down into one category's
// children and one unit's own figures: 3 untimed requests, then 30 timed, p50 and p99 of the
// whole round trip (session check, the store's read, the JSON). The target: p99 < 100 ms.
import { execFileSync } from 'node:child_process';

import { serve } from './serve.mjs';

const db = process.argv[2] || '/tmp/jiesu-bench-stats.db';
const RUNS = 30;
const TODAY = '2026-11-30'; // the last whole day before bench_stats's NOW

const assessDb = process.argv[3] === '--assess' ? process.argv[4] : null;

// 3 untimed requests, then RUNS timed: [sorted times, the last answer]
async function time(get, q) {
  for (let i = 0; i < 3; i++) await get(q);
  const t = [];
  let last;
  for (let i = 0; i < RUNS; i++) {
    last = await get(q);
    t.push(last.ms);
  }
  return [t.sort((x, y) => x - y), last];
}
const pct = (v, p) => v[Math.min(v.length - 1, Math.floor(v.length * p))];
const sql = (q, file = db) => execFileSync('sqlite3', ['-readonly', file, q], { encoding: 'utf8' }).trim();
const unit = sql('SELECT unit_id FROM order_units GROUP BY unit_id ORDER BY count(*) DESC LIMIT 1') || '1';
const parent = sql('SELECT id FROM categories WHERE parent_id IS NULL ORDER BY id LIMIT 1');

let worst = 0;
const { get, stop } = await serve(db, 'stats');
console.log(`stats_http: ${sql('SELECT count(*) FROM orders')} orders in ${db}; p50 / p99 of ${RUNS} requests each`);
console.log(`  ${'request'.padEnd(44)} ${'period'.padEnd(6)} ${'orders'.padStart(9)} ${'items'.padStart(6)} ${'bytes'.padStart(7)}   p50 / p99 ms`);
for (const days of [365, 30]) {
  const from = new Date(Date.parse(`${TODAY}T12:00:00+08:00`) - (days - 1) * 86400e3).toISOString().slice(0, 10);
  const range = `from=${from}&to=${TODAY}`;
  const asks = [
    `by=day&per=${days > 90 ? 'week' : 'day'}`, 'by=channel', 'by=type', 'by=category', `by=category&parent=${parent}`,
    'by=street', 'by=unit', 'by=status', 'by=reopened', `by=satisfaction&per=${days <= 90 ? 'week' : 'month'}`,
    'by=overdue', `by=status&unit_id=${unit}`,
  ];
  for (const a of asks) {
    const [t, last] = await time(get, `stats?${a}&${range}`);
    worst = Math.max(worst, pct(t, 0.99));
    console.log(`  ${a.padEnd(44)} ${(days + 'd').padEnd(6)} ${String(last.json.total).padStart(9)} ${String(last.json.items.length).padStart(6)}`
      + ` ${String(last.bytes).padStart(7)}   ${pct(t, 0.5).toFixed(1)} / ${pct(t, 0.99).toFixed(1)}`);
  }
}
await stop();
if (assessDb) {
  // the dashboard's 三率: the month's beijing-2020 assessment of every unit (a database from
  // bench_assess, whose orders are all received in 2026-10)
  const a = await serve(assessDb, 'stats');
  const [t, last] = await time(a.get, 'assess?scheme=beijing-2020&period=2026-10');
  worst = Math.max(worst, pct(t, 0.99));
  console.log(`  ${'assess?scheme=beijing-2020&period=2026-10'.padEnd(44)} ${'month'.padEnd(6)}`
    + ` ${sql(`SELECT count(*) FROM orders`, assessDb).padStart(9)} ${String((last.json.units || []).length).padStart(6)}`
    + ` ${String(last.bytes).padStart(7)}   ${pct(t, 0.5).toFixed(1)} / ${pct(t, 0.99).toFixed(1)}`);
  await a.stop();
}
console.log(`stats_http: slowest p99 ${worst.toFixed(1)} ms (target < 100 ms)`);
process.exit(worst < 100 ? 0 : 1);
