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

import { execFile, spawn } from 'node:child_process';
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
// Mailbox: the messages the SMTP sink filed.

export class Mailbox {
  constructor(dir) {
    this.dir = dir;
    this.returned = new Set();
  }

  /** Every message filed so far, oldest first, parsed; each has `file` (its path). */
  all() {
    let names;
    try {
      names = fs.readdirSync(this.dir).filter((n) => n.endsWith('.eml') && !n.startsWith('.'));
    } catch {
      return [];
    }
    names.sort();
    return names.map((name) => {
      const file = path.join(this.dir, name);
      return { ...parseMessage(fs.readFileSync(file)), file, name };
    });
  }

  /**
   * Waits for the first message not returned by an earlier waitFor that matches: `to` (one of
   * its envelope recipients, or its To header, case-insensitive) and `subjectIncludes` (a
   * substring of the decoded subject); both optional.
   * @returns {Promise<{to: string, recipients: string[], subject: string, text: string,
   *   html: string, links: string[], headers: Record<string,string[]>, file: string}>}
   */
  async waitFor({ to, subjectIncludes, timeoutMs = 10_000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    const want = to?.toLowerCase();
    for (;;) {
      const messages = this.all();
      for (const message of messages) {
        if (this.returned.has(message.name)) continue;
        if (want && !message.recipients.some((r) => r.toLowerCase() === want)) continue;
        if (subjectIncludes && !message.subject.includes(subjectIncludes)) continue;
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

// ---------------------------------------------------------------------------------------------
// A small MIME parser: enough for the mails the server sends (RFC 5322 + MIME: multipart,
// quoted-printable, base64, RFC 2047 encoded words, any charset TextDecoder knows).

/** Decodes bytes in a charset; unknown charsets fall back to UTF-8. */
function decodeBytes(bytes, charset = 'utf-8') {
  let decoder;
  try {
    decoder = new TextDecoder(charset.trim().toLowerCase() || 'utf-8');
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  return decoder.decode(bytes);
}

/** Quoted-printable (RFC 2045 6.7) to bytes. `header` = the Q encoding of RFC 2047 (_ = space). */
export function decodeQuotedPrintable(input, { header = false } = {}) {
  let text = String(input);
  if (header) text = text.replace(/_/g, ' ');
  else text = text.replace(/[ \t]+(?=\r?\n)/g, '').replace(/=\r?\n/g, '');
  const out = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const code = text.charCodeAt(i);
      if (code < 256) out.push(code);
      else out.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(out);
}

/** RFC 2047: `=?charset?B|Q?...?=` words in a header value; whitespace between words dropped. */
export function decodeEncodedWords(value) {
  const word = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
  const joined = value.replace(/(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)/g, '$1');
  // Adjacent words can split one multi-byte character: decode runs of same-charset words together.
  let result = '';
  let last = 0;
  let pending = null; // { charset, chunks: Buffer[] }
  const flush = () => {
    if (pending) result += decodeBytes(Buffer.concat(pending.chunks), pending.charset);
    pending = null;
  };
  let match;
  while ((match = word.exec(joined)) !== null) {
    const between = joined.slice(last, match.index);
    if (between) {
      flush();
      result += between;
    }
    const charset = match[1].split('*')[0]; // RFC 2231 language suffix
    const bytes =
      match[2].toUpperCase() === 'B'
        ? Buffer.from(match[3], 'base64')
        : decodeQuotedPrintable(match[3], { header: true });
    if (pending && pending.charset.toLowerCase() === charset.toLowerCase()) pending.chunks.push(bytes);
    else {
      flush();
      pending = { charset, chunks: [bytes] };
    }
    last = word.lastIndex;
  }
  flush();
  return result + joined.slice(last);
}

/** Splits a raw header block into { name(lowercase): [values] } (unfolded, raw values). */
function parseHeaderBlock(block) {
  const headers = {};
  const unfolded = block.replace(/\r?\n(?=[ \t])/g, '');
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    (headers[name] ||= []).push(value);
  }
  return headers;
}

/** `text/plain; charset="utf-8"` -> { type: 'text/plain', params: { charset: 'utf-8' } } */
export function parseContentType(value = 'text/plain') {
  const [typePart, ...rest] = splitParams(value);
  const params = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    let key = part.slice(0, eq).trim().toLowerCase();
    let val = part.slice(eq + 1).trim();
    if (val.startsWith('"') && val.endsWith('"')) val = val.slice(1, -1).replace(/\\(.)/g, '$1');
    if (key.endsWith('*')) {
      // RFC 2231: charset'lang'percent-encoded
      key = key.slice(0, -1);
      const m = /^([^']*)'[^']*'(.*)$/.exec(val);
      if (m) val = decodeBytes(Buffer.from(decodeURIComponentBytes(m[2])), m[1] || 'utf-8');
    }
    params[key] = val;
  }
  return { type: (typePart || 'text/plain').trim().toLowerCase(), params };
}

function decodeURIComponentBytes(s) {
  const out = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(s.charCodeAt(i) & 0xff);
  }
  return out;
}

/** Splits on `;` outside double quotes. */
function splitParams(value) {
  const parts = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && quoted) {
      current += c + (value[i + 1] ?? '');
      i++;
    } else if (c === '"') {
      quoted = !quoted;
      current += c;
    } else if (c === ';' && !quoted) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p, i) => i === 0 || p);
}

/** Parses one entity (a message or a body part) given as a latin1 string of its raw bytes. */
function parseEntity(raw) {
  const sep = /\r?\n\r?\n/.exec(raw);
  const headerBlock = sep ? raw.slice(0, sep.index) : raw;
  const body = sep ? raw.slice(sep.index + sep[0].length) : '';
  const headers = parseHeaderBlock(headerBlock);
  const contentType = parseContentType(headers['content-type']?.[0]);
  const encoding = (headers['content-transfer-encoding']?.[0] || '7bit').trim().toLowerCase();
  const disposition = (headers['content-disposition']?.[0] || '').split(';')[0].trim().toLowerCase();
  const entity = { headers, contentType, encoding, disposition, parts: [], content: null };

  if (contentType.type.startsWith('multipart/') && contentType.params.boundary) {
    const boundary = contentType.params.boundary;
    const lines = body.split(/\r?\n/);
    let current = null;
    for (const line of lines) {
      if (line.startsWith('--' + boundary)) {
        const rest = line.slice(2 + boundary.length);
        if (current !== null) entity.parts.push(parseEntity(current.join('\r\n')));
        current = rest.startsWith('--') ? null : [];
        if (rest.startsWith('--')) break;
      } else if (current !== null) current.push(line);
    }
    if (current !== null && current.length) entity.parts.push(parseEntity(current.join('\r\n')));
    return entity;
  }

  const bytesIn = Buffer.from(body, 'latin1');
  let bytes;
  if (encoding === 'base64') bytes = Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  else if (encoding === 'quoted-printable') bytes = decodeQuotedPrintable(body);
  else bytes = bytesIn;
  entity.bytes = bytes;
  if (contentType.type.startsWith('text/')) {
    entity.content = decodeBytes(bytes, contentType.params.charset || 'utf-8');
  }
  return entity;
}

function firstText(entity, type) {
  if (entity.parts.length) {
    for (const part of entity.parts) {
      const found = firstText(part, type);
      if (found !== null) return found;
    }
    return null;
  }
  if (entity.contentType.type === type && entity.disposition !== 'attachment') return entity.content;
  return null;
}

/** The addresses in an address-list header (display names and comments dropped). */
export function parseAddresses(value = '') {
  const out = [];
  for (const m of value.matchAll(/<([^<>\s]+@[^<>\s]+)>|([^\s<>,;:"()]+@[^\s<>,;:"()]+)/g)) {
    out.push(m[1] || m[2]);
  }
  return out;
}

/** Every http(s) URL in a text, in order (trailing punctuation left out). */
export function findLinks(text = '') {
  const links = [];
  for (const m of text.matchAll(/https?:\/\/[^\s<>"'`]+/g)) {
    links.push(m[0].replace(/[.,;:!?)\]}>]+$/, ''));
  }
  return links;
}

/**
 * Parses a raw RFC 5322 message (Buffer or string).
 * @returns {{to: string, recipients: string[], envelopeTo: string[], subject: string,
 *   from: string, text: string, html: string, links: string[], headers: Record<string,string[]>}}
 */
export function parseMessage(raw) {
  const latin1 = Buffer.isBuffer(raw) || raw instanceof Uint8Array
    ? Buffer.from(raw).toString('latin1')
    : Buffer.from(String(raw), 'utf8').toString('latin1');
  const entity = parseEntity(latin1);
  // Header values: raw bytes as UTF-8 (8-bit headers), then RFC 2047 words.
  const headers = {};
  for (const [name, values] of Object.entries(entity.headers)) {
    headers[name] = values.map((v) => decodeEncodedWords(decodeBytes(Buffer.from(v, 'latin1'))));
  }
  const envelopeTo = (headers['x-envelope-to'] || []).flatMap((v) => parseAddresses(v).length ? parseAddresses(v) : [v]);
  const headerTo = [...(headers.to || []), ...(headers.cc || [])].flatMap((v) => parseAddresses(v));
  const recipients = [...new Set([...envelopeTo, ...headerTo])];
  const text = firstText(entity, 'text/plain') ?? '';
  const html = firstText(entity, 'text/html') ?? '';
  const links = text ? findLinks(text) : findLinks(html.replace(/&amp;/g, '&'));
  return {
    to: recipients[0] ?? '',
    recipients,
    envelopeTo,
    from: headers.from?.[0] ?? '',
    subject: headers.subject?.[0] ?? '',
    text,
    html,
    links,
    headers,
  };
}
