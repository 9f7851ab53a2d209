// What a dashboard read costs while orders arrive (issue 16, not a test): serves a database (a
// file, or a postgres:// URL, whose stats_count first folds the counts the triggers appended,
// session 6) and times GET /api/v1/stats?by=channel: 40 reads with nothing written in between,
// then the first read after 1, 10 and 50 intakes (5 rounds each). Medians in ms. Run it on the
// same data in both backends to compare: node bench/stats_fold.mjs DB
import { serve } from './serve.mjs';

const db = process.argv[2];
if (!db) {
  console.error('usage: node bench/stats_fold.mjs DB|postgres://…');
  process.exit(2);
}
const { get, post, stop } = await serve(db, 'fold', ['supervisor', 'agent']);
const complaint = {
  channel: 'hotline-12345', type: 'complaint', title: '小区夜间施工噪音扰民',
  text: '多福巷12号旁工地每晚11点后仍在施工，噪音很大，影响休息。', citizen_name: '张三丰',
  citizen_phone: '13812341111', address: '多福巷12号',
};
const read = async () => (await get('stats?by=channel')).ms;
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
for (let i = 0; i < 5; i++) await read();
const quiet = [];
for (let i = 0; i < 40; i++) quiet.push(await read());
console.log(`stats_fold: ${db.startsWith('postgres') ? 'PostgreSQL' : 'SQLite'}; by=channel, median ms`);
console.log(`  nothing written between reads: ${median(quiet).toFixed(2)} (40 reads)`);
for (const k of [1, 10, 50]) {
  const t = [];
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < k; i++) await post('orders', complaint, 'agent');
    t.push(await read());
  }
  console.log(`  first read after ${k} intakes: ${median(t).toFixed(2)} (5 rounds)`);
}
await stop();
