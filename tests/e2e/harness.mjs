// Test harness for the browser tests: the real server, a real SMTP server, real Chromium.
//
//   import { startPortal, launchBrowser } from './harness.mjs';
//   const portal = await startPortal();             // { baseUrl, mailbox, logPath, stop() }
//   const browser = await launchBrowser();
//   ...
//   const mail = await portal.mailbox.waitFor({ to: 'a@example.test', subjectIncludes: 'Confirm' });
//   await page.goto(mail.links[0]);
//   ...
//   await browser.close(); await portal.stop();
//
// Environment: PORTAL_SERVER_BIN (default target/release/portal-server) and PORTAL_DIST_DIR
// (default dist), both relative to the repository root unless absolute; PORTAL_E2E_KEEP=1 keeps
// every temporary directory (data, mail, logs) for inspection.

import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');
const SMTP_SINK = path.join(REPO_ROOT, 'tests', 'support', 'smtp_sink.py');

/** Chromium flags that work on these machines (no network but loopback, running as root). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const CHROMIUM_PATH = process.env.PORTAL_CHROMIUM || '/usr/bin/chromium';

const HEALTH_TIMEOUT_MS = 30_000;

function fromRoot(p) {
  return path.isAbsolute(p) ? p : path.join(REPO_ROOT, p);
}

// ---------------------------------------------------------------------------------------------
// Processes and temporary directories left behind are cleaned up when the test process exits;
// a failed test process keeps its server logs and prints where they are.

const livePortals = new Set();
const keptLogs = new Set();

process.on('exit', (code) => {
  for (const portal of livePortals) portal.killNow();
  const failed = code !== 0 || (process.exitCode ?? 0) !== 0;
  for (const dir of keptLogs) {
    if (failed || process.env.PORTAL_E2E_KEEP) {
      process.stderr.write(`portal logs kept: ${path.join(dir, 'server.log')} ${path.join(dir, 'smtp.log')}\n`);
    } else {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

// Killed by a signal, 'exit' does not run: kill the servers, then let the signal do what it
// would have done (re-raised when nothing else listens for it).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  const onSignal = () => {
    for (const portal of livePortals) portal.killNow();
    if (process.listenerCount(signal) === 1) {
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    }
  };
  process.on(signal, onSignal);
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function readTail(file, max = 8000) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.length > max ? '...' + text.slice(-max) : text;
  } catch {
    return '';
  }
}

/** Asks a child to end (`ask()`), waits for it up to `ms`, then kills it. */
async function endChild(child, ask, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  ask();
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve(true), ms);
  });
  const timedOut = await Promise.race([gone.then(() => false), late]);
  clearTimeout(timer);
  if (timedOut) {
    child.kill('SIGKILL');
    await gone;
  }
}

/** Starts the SMTP sink; resolves with { port, child } once it prints `PORT <n>`. */
function startSmtpSink(maildir, logFile) {
  return new Promise((resolve, reject) => {
    const log = fs.openSync(logFile, 'a');
    const child = spawn('python3', [SMTP_SINK, '--maildir', maildir], {
      stdio: ['pipe', 'pipe', log],
    });
    fs.closeSync(log);
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`smtp_sink.py did not report its port within 15 s\n${readTail(logFile)}`));
    }, 15_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start python3 ${SMTP_SINK}: ${err.message}`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`smtp_sink.py exited (${code}) before reporting its port\n${readTail(logFile)}`));
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /^PORT (\d+)$/m.exec(out);
      if (match) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        resolve({ port: Number(match[1]), child });
      }
    });
  });
}

/**
 * Starts the SMTP sink and the real server on free ports, each with fresh temporary
 * directories, and waits until `GET /api/health` answers 200 (at most 30 s).
 *
 * @param {Record<string,string>} env extra environment for the server (overrides the defaults)
 * @returns {Promise<{baseUrl: string, port: number, mailbox: Mailbox, logPath: string,
 *   dataDir: string, serverLog: () => string, cli: (args: string[]) => Promise<string>,
 *   stop: () => Promise<void>}>}
 */
export async function startPortal(env = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-e2e-'));
  const dataDir = path.join(root, 'data');
  const maildir = path.join(root, 'mail');
  const logPath = path.join(root, 'server.log');
  const smtpLogPath = path.join(root, 'smtp.log');
  fs.mkdirSync(dataDir);
  fs.mkdirSync(maildir);
  keptLogs.add(root);

  const smtp = await startSmtpSink(maildir, smtpLogPath);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const bin = fromRoot(process.env.PORTAL_SERVER_BIN || 'target/release/portal-server');
  const serverEnv = {
    ...process.env,
    PORTAL_LISTEN: `127.0.0.1:${port}`,
    PORTAL_DATA_DIR: dataDir,
    PORTAL_PUBLIC_URL: baseUrl,
    PORTAL_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    PORTAL_DIST_DIR: fromRoot(process.env.PORTAL_DIST_DIR || 'dist'),
    ...env,
  };
  // The test database URL is for the Rust tests; the browser tests use the server's default
  // (SQLite in dataDir) unless a test passes PORTAL_DATABASE_URL itself.
  delete serverEnv.PORTAL_TEST_DATABASE_URL;

  const log = fs.openSync(logPath, 'a');
  const server = spawn(bin, ['serve'], { env: serverEnv, cwd: root, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let exited = null;
  let spawnError = null;
  server.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  server.on('error', (err) => {
    spawnError = err;
  });

  let stopped = false;
  const portal = {
    killNow() {
      if (exited === null && !spawnError) server.kill('SIGKILL');
      if (smtp.child.exitCode === null) smtp.child.kill('SIGKILL');
    },
  };
  livePortals.add(portal);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    livePortals.delete(portal);
    if (exited === null && !spawnError) {
      await endChild(server, () => server.kill('SIGTERM'), 5000);
    }
    // The sink exits at EOF on stdin.
    await endChild(smtp.child, () => smtp.child.stdin.end(), 3000);
    if (!process.env.PORTAL_E2E_KEEP) {
      // The data and the mail go now; the logs stay until the process exits (kept on failure).
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(maildir, { recursive: true, force: true });
    }
  };

  // Wait for the health check.
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  for (;;) {
    if (spawnError) {
      await stop();
      throw new Error(
        `cannot start the server ${bin}: ${spawnError.message}` +
          ' (build it: cargo build --release -p portal-server, or set PORTAL_SERVER_BIN)',
      );
    }
    if (exited !== null) {
      await stop();
      throw new Error(
        `the server exited (code ${exited.code}, signal ${exited.signal}) before it was healthy;` +
          ` log ${logPath}:\n${readTail(logPath)}`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
      lastProblem = `HTTP ${res.status}`;
    } catch (err) {
      lastProblem = err.cause?.code || err.message;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `the server did not answer 200 on ${baseUrl}/api/health within ${HEALTH_TIMEOUT_MS / 1000} s` +
          ` (last: ${lastProblem}); log ${logPath}:\n${readTail(logPath)}`,
      );
    }
    await sleep(100);
  }

  return {
    baseUrl,
    port,
    dataDir,
    logPath,
    mailbox: new Mailbox(maildir),
    serverLog: () => readTail(logPath, Infinity),
    /** Runs a `portal-server` command (e.g. `merchant create`) on this portal's data; its stdout. */
    cli: (args) =>
      new Promise((resolve, reject) => {
        execFile(bin, args, { env: serverEnv, cwd: root, timeout: 60_000 }, (err, stdout, stderr) =>
          err ? reject(new Error(`portal-server ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout));
      }),
    stop,
  };
}

/** Launches the machine's Chromium (Debian's /usr/bin/chromium) through playwright-core. */
export async function launchBrowser(options = {}) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    ...options,
  });
}

// ---------------------------------------------------------------------------------------------
// Mailbox: the messages the SMTP sink filed. The sink decodes each one with Python's `email`
// package and files the result beside it as JSON (see tests/support/smtp_sink.py), so these
// tests and the Rust ones read mail through that one parser; none here.

/** A message as the sink described it, with the links in its text (or else its HTML). */
function fromSink(described, file, name) {
  const { envelope_to: envelopeTo, recipients, from, subject, text, html, headers } = described;
  return {
    to: recipients[0] ?? '',
    recipients,
    envelopeTo,
    from,
    subject,
    text,
    html,
    links: text ? findLinks(text) : findLinks(html.replace(/&amp;/g, '&')),
    headers,
    file,
    name,
  };
}

/**
 * What the sink files for each raw message in `files` (paths of .eml files, as the sink writes
 * them: X-Envelope-To headers first), read the same way as mail the sink received.
 */
export function describeFiles(files) {
  const out = execFileSync('python3', [SMTP_SINK, '--describe', ...files], { encoding: 'utf8' });
  return JSON.parse(out).map((described, i) => fromSink(described, files[i], path.basename(files[i])));
}

export class Mailbox {
  constructor(dir) {
    this.dir = dir;
    this.returned = new Set();
  }

  /** Every message filed so far, oldest first; each has `file` (the raw .eml's path). */
  all() {
    let names;
    try {
      names = fs.readdirSync(this.dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    } catch {
      return [];
    }
    names.sort();
    return names.map((name) => {
      const described = JSON.parse(fs.readFileSync(path.join(this.dir, name), 'utf8'));
      const stem = name.slice(0, -'.json'.length);
      return fromSink(described, path.join(this.dir, `${stem}.eml`), stem);
    });
  }

  /**
   * Waits for the first message not returned by an earlier waitFor that matches: `to` (one of
   * its envelope recipients, or its To header, case-insensitive) and `subjectIncludes` (a
   * substring of the decoded subject, or a RegExp it matches); both optional.
   * @returns {Promise<{to: string, recipients: string[], envelopeTo: string[], from: string,
   *   subject: string, text: string, html: string, links: string[],
   *   headers: Record<string,string[]>, file: string, name: string}>}
   */
  async waitFor({ to, subjectIncludes, timeoutMs = 10_000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    const want = to?.toLowerCase();
    for (;;) {
      const messages = this.all();
      for (const message of messages) {
        if (this.returned.has(message.name)) continue;
        if (want && !message.recipients.some((r) => r.toLowerCase() === want)) continue;
        if (subjectIncludes instanceof RegExp ? !subjectIncludes.test(message.subject)
          : subjectIncludes && !message.subject.includes(subjectIncludes)) continue;
        this.returned.add(message.name);
        return message;
      }
      if (Date.now() > deadline) {
        const seen = messages.map((m) => `  ${m.recipients.join(', ')}: ${m.subject}`).join('\n');
        throw new Error(
          `no mail${want ? ` to ${to}` : ''}${subjectIncludes ? ` with subject containing "${subjectIncludes}"` : ''}` +
            ` within ${timeoutMs} ms; ${messages.length} message(s) in ${this.dir}` +
            (seen ? `:\n${seen}` : ''),
        );
      }
      await sleep(50);
    }
  }
}

/** Every http(s) URL in a text, in order (trailing punctuation left out). */
export function findLinks(text = '') {
  const links = [];
  for (const m of text.matchAll(/https?:\/\/[^\s<>"'`]+/g)) {
    links.push(m[0].replace(/[.,;:!?)\]}>]+$/, ''));
  }
  return links;
}
