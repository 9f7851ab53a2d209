// A jiesu server for the HTTP benchmarks (bench/list_rss.mjs, bench/stats_http.mjs): starts
// `jiesu serve` on a database with a supervisor of its own, logs in, and hands back a fetch with
// the session, the server's pid and a stop. The access log is drained (a full pipe would stop
// the server).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const BIN = process.env.JIESU_BIN || 'build/jiesu';

// name: the benchmark's name (the login, the temporary folder's prefix).
export async function serve(db, name) {
  const dir = mkdtempSync(path.join(tmpdir(), `jiesu-${name}-`));
  const web = path.join(dir, 'web');
  mkdirSync(web);
  writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>jiesu</title>\n');
  const login = `${name}${process.pid}`, password = `${name}-pass-2026`;
  execFileSync(BIN, ['useradd', '--db', db, '--login', login, '--name', '性能测量', '--role',
    'supervisor', '--password', password], { stdio: 'pipe' });
  const started = Date.now();
  const child = spawn(BIN, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--web', web,
    '--threads', '4', '--tick-seconds', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.resume();
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out = (out + d).slice(-4096);
      const m = out.match(/jiesu: serving (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  const r = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login, password }) });
  const { token } = await r.json();
  // GET /api/v1/<q>: the answer's JSON, its size and the round trip in ms; throws on non-200
  const get = async (q) => {
    const t0 = process.hrtime.bigint();
    const res = await fetch(`${url}/api/v1/${q}`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (res.status !== 200) throw new Error(`${q}: ${res.status} ${text.slice(0, 200)}`);
    return { json: JSON.parse(text), ms, bytes: text.length };
  };
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  };
  return { get, stop, pid: child.pid, started };
}
