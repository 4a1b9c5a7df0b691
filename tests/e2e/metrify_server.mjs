// A real `metrify serve` for the Node programs that drive the dashboard
// (tests/e2e/dashboard.test.mjs, bench/dashboard_bench.mjs): on 127.0.0.1 and
// a free port, a clean environment, a data directory of the caller's; and
// the waits they share. As tests/support/server_process.cc for C++ tests.
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// Polls `check` until it returns something truthy; a throw counts as "not
// yet". Gives up at `timeoutMs` (or `deadline`, epoch ms, if earlier) and
// at once when `server` has exited.
export async function waitFor(what, check, { timeoutMs = 30_000, deadline = Infinity, server = null } = {}) {
  const until = Math.min(Date.now() + timeoutMs, deadline);
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch {
      // not yet
    }
    if (server && server.exited) throw new Error(`the server exited: ${JSON.stringify(server.exited)}`);
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

export class MetrifyServer {
  // The data goes to dataDir, stdout and stderr (the log) to logPath.
  constructor(binary, dataDir, logPath) {
    Object.assign(this, { binary, dataDir, logPath, child: null, exited: null, base: null });
  }

  // Live means: /health/live answers on our port AND our own process logged
  // that it serves that port. freePort() releases the port before the
  // server binds it, so another program's server may take it and answer
  // instead of ours (then ours exits: try again on another port).
  async start({ deadline = Infinity } = {}) {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const log = openSync(this.logPath, 'w');
      // A clean environment: no METRIFY_* of the caller's shell.
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('METRIFY_')));
      const child = spawn(this.binary, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', this.dataDir],
        { env, stdio: ['ignore', log, log] });
      this.child = child;
      this.exited = null;
      child.on('exit', (code, signal) => { if (this.child === child) this.exited = { code, signal }; });
      const base = `http://127.0.0.1:${port}`;
      const serving = `"listen":"127.0.0.1:${port}"`;
      try {
        await waitFor('the server to answer /health/live', async () => {
          if (this.exited) throw new Error(`metrify serve exited while starting: ${JSON.stringify(this.exited)}`);
          return (await fetch(`${base}/health/live`)).ok && readFileSync(this.logPath, 'utf8').includes(serving);
        }, { timeoutMs: 20_000, deadline });
        this.base = base;
        return base;
      } catch (error) {
        if (!this.exited) child.kill('SIGKILL');
        if (attempt === 3) throw error;
      }
    }
  }

  // SIGTERM now, without waiting (a process about to exit).
  kill() {
    if (this.child && !this.exited) this.child.kill('SIGTERM');
  }

  // SIGTERM, then SIGKILL if it has not ended within graceMs.
  async stop(graceMs = 20_000) {
    if (!this.child || this.exited) return;
    const done = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const killed = await Promise.race([done.then(() => false), sleep(graceMs).then(() => true)]);
    if (killed) this.child.kill('SIGKILL');
  }

  // The log's last `count` lines without debug lines, for a failure report.
  logTail(count = 25) {
    try {
      const lines = readFileSync(this.logPath, 'utf8').split('\n');
      return lines.filter((l) => !l.includes('"level":"debug"')).slice(-count).join('\n');
    } catch {
      return '';
    }
  }
}

// Runs `binary args...` to its end; resolves with its output, rejects with
// it on a non-zero exit. `onSpawn` gets the child (to stop it from outside).
export function runMetrify(binary, args, onSpawn = () => {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    onSpawn(child);
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('exit', (code, signal) => {
      onSpawn(null);
      if (code === 0) resolve(output);
      else reject(new Error(`metrify ${args[0]} exited ${code ?? signal}: ${output.slice(-2000)}`));
    });
  });
}

// One sample of /metrics without labels, or null when it is not there.
export async function metricValue(base, name) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = text.match(new RegExp(`^${name} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : null;
}

// Until VEE has validated everything stored and detection has judged it.
export function waitForPipeline(server, options) {
  return waitFor('VEE and detection to catch up', async () => {
    const pending = await metricValue(server.base, 'metrify_vee_pending_meters');
    const queued = await metricValue(server.base, 'metrify_detect_queued_samples');
    return pending === 0 && (queued === null || queued === 0);
  }, { ...options, server });
}

