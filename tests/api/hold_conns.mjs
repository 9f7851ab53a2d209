// The attacker of limits.test.mjs, run as its own process (so that its descriptor limit can be
// raised with `ulimit -n` first): opens COUNT connections from LOCAL to HOST:PORT, half of them
// silent and half sending an unfinished request head, and holds them. A connection the server
// closes is opened again a second later, until the end. Prints one JSON line when every first
// attempt has settled, another every second, and stops by itself after HOLD_MS or when stdin
// closes. Usage: node hold_conns.mjs HOST PORT LOCAL COUNT HOLD_MS
import net from 'node:net';

const [host, portText, local, countText, holdText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const holdMs = Number(holdText);
const BATCH = 250; // connection attempts in flight at once

let stopping = false;
let settled = 0; // first attempts finished (connected, refused or failed)
let open = 0; // connected and not closed now
let maxOpen = 0;
let closedByServer = 0;
let failed = 0;
let reopened = 0;
const sockets = new Set();

function attempt(i, first) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, localAddress: local });
    sockets.add(s);
    let connected = false;
    let done = false;
    const settle = () => { if (!done) { done = true; if (first) settled++; resolve(); } };
    setTimeout(settle, 5000).unref(); // a connection stuck in the backlog counts as settled
    s.setNoDelay(true);
    s.on('connect', () => {
      connected = true;
      open++;
      maxOpen = Math.max(maxOpen, open);
      if (i % 2) s.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\nX-Slow: `); // never finished
      settle();
    });
    s.on('error', () => { if (!connected) failed++; });
    s.on('close', () => {
      sockets.delete(s);
      if (connected) { open--; closedByServer += stopping ? 0 : 1; }
      settle();
      if (!stopping) setTimeout(() => { if (!stopping) { reopened++; attempt(i, false); } }, 1000);
    });
  });
}

const report = (phase) => process.stdout.write(`${JSON.stringify({ phase, settled, open, maxOpen, closedByServer, failed, reopened })}\n`);

function stop() {
  if (stopping) return;
  stopping = true;
  for (const s of sockets) s.destroy();
  report('end');
  setTimeout(() => process.exit(0), 100);
}

setTimeout(stop, holdMs).unref();
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();

const started = Date.now();
for (let i = 0; i < count; i += BATCH) {
  const jobs = [];
  for (let j = i; j < Math.min(count, i + BATCH); j++) jobs.push(attempt(j, true));
  await Promise.all(jobs);
}
report('opened');
process.stderr.write(`hold_conns: ${count} attempts settled in ${Date.now() - started} ms\n`);
setInterval(() => report('tick'), 1000).unref();
// keep the process alive until stop()
setTimeout(() => {}, holdMs + 1000);
