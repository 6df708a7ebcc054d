// What several browser tests need: customers made through the API and the real mail, pages that
// collect their own errors, waiting without fixed sleeps, money in a wallet and a store's till,
// an authenticator app's codes, screenshots to upload, and axe-core's accessibility check.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';

import { PNG } from 'pngjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

// The simulated card network approves this one (crates/server: the simulated processor).
const APPROVED_CARD = '4242 4242 4242 4242';

/** Polls `check` (sync or async) until it returns something truthy; fails with `what`. */
export async function eventually(what, check, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await sleep(50);
  }
}

/**
 * A page in a fresh browser context (its own cookies); `problems` collects page errors and CSP
 * violations (reported on the console only), any of which is a failure.
 */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ locale: 'en-US', ...options });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) problems.push(msg.text());
  });
  return { context, page, problems };
}

/** Registers straight through the API, as the page would. */
export async function register(portal, email, password) {
  const r = await fetch(`${portal.baseUrl}/api/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: portal.baseUrl },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(r.status, 202, await r.text());
}

/** A registered customer whose address is confirmed through the link in the real mail. */
export async function confirmedCustomer(portal, name, password) {
  const email = `${name}.${Date.now()}@example.test`;
  await register(portal, email, password);
  const mail = await portal.mailbox.waitFor({ to: email, subjectIncludes: 'Confirm your email' });
  const token = new URL(mail.links.find((l) => l.includes('/verify-email'))).searchParams.get('token');
  const r = await fetch(`${portal.baseUrl}/api/verify-email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: portal.baseUrl },
    body: JSON.stringify({ token }),
  });
  assert.equal(r.status, 200, await r.text());
  return email;
}

/** Fills in and sends the sign-in page's first step. */
export async function submitSignIn(portal, page, email, password) {
  await page.goto(`${portal.baseUrl}/sign-in`);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Signs in on `page`, a browser new to the account: the password, then the six-digit code from
 * the mail the portal sends to the account's address (device verification).
 */
export async function signInWithMailedCode(portal, page, email, password) {
  await submitSignIn(portal, page, email, password);
  await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
  // In the account's language: the demo customers' is Japanese.
  const mail = await portal.mailbox.waitFor({ to: email, subjectIncludes: /sign-in code|ログイン確認コード/ });
  const code = mail.text.match(/^\d{6}$/m)?.[0];
  assert.ok(code, `no code in: ${mail.text}`);
  await page.getByLabel('Code from the email').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
}

/**
 * On a page that moves money, for a customer without two-step verification: follows the page to
 * turn it on (the security page, stepping up with `password`) and back. Answers the TOTP key.
 */
export async function turnOnTwoStepForMoney(page, password) {
  await page.getByRole('heading', { name: 'Turn on two-step verification first' }).waitFor();
  await page.getByRole('link', { name: 'Turn on two-step verification' }).click();
  await page.getByRole('heading', { level: 1, name: 'Security' }).waitFor();
  const key = await turnOnTwoStep(page, password);
  await page.getByRole('button', { name: 'I have saved my codes' }).click();
  return key;
}

/**
 * Adds the approved card (turning on two-step verification, which money needs) and tops up
 * `yen`, through the pages. Answers the TOTP key.
 */
export async function addCardAndTopUp(portal, page, password, yen) {
  await page.goto(`${portal.baseUrl}/wallet/cards`);
  const key = await turnOnTwoStepForMoney(page, password);
  await page.getByRole('heading', { level: 1, name: 'Your cards' }).waitFor();
  await page.getByLabel('Card number').fill(APPROVED_CARD);
  await page.getByLabel('Expiry month (MM)').fill('12');
  await page.getByLabel('Expiry year (YYYY)').fill(String(new Date().getFullYear() + 3));
  await page.getByLabel('Security code').fill('123');
  await page.getByRole('button', { name: 'Add card' }).click();
  await page.getByRole('status').filter({ hasText: 'Card added.' }).waitFor();
  await page.goto(`${portal.baseUrl}/wallet/top-up`);
  await page.getByLabel('Amount in yen').fill(yen);
  await page.getByRole('button', { name: 'Top up' }).click();
  await page.getByRole('status').filter({ hasText: `Topped up ¥${yen}.` }).waitFor();
  return key;
}

/** A store made by the admin command; returns its merchant API key, as a till would hold it. */
export async function createMerchant(portal, name) {
  const out = await portal.cli(['merchant', 'create', '--name', name]);
  const merchantKey = out.match(/API key:\s+(mk_\S+)/)?.[1];
  assert.ok(merchantKey, `no API key in: ${out}`);
  return merchantKey;
}

/** A store's till taking a payment of `minor` yen with the customer's code; it must succeed. */
export async function redeem(portal, merchantKey, code, minor) {
  const r = await fetch(`${portal.baseUrl}/api/merchant/redemptions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${merchantKey}`,
      'idempotency-key': `till-${Date.now()}-${Math.random()}`,
    },
    body: JSON.stringify({ code, amount: { minor, currency: 'JPY' } }),
  });
  assert.equal(r.status, 201, await r.text());
}

/** The digits on the pay page, as a till would type them. */
export async function codeOnScreen(portal, page) {
  await page.goto(`${portal.baseUrl}/wallet/pay`);
  const digits = page.getByRole('paragraph').filter({ hasText: /^Payment code:/ });
  return (await digits.textContent()).replace(/\D/g, '');
}

/** RFC 4648 base32, as authenticator apps read the key. */
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    const v = alphabet.indexOf(c);
    assert.ok(v >= 0, `not base32: ${c}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238 (SHA-1, 6 digits, 30 seconds, as the otpauth URI names), as an authenticator app computes it. */
export function totp(key, atMs = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 1000 / 30)));
  const mac = crypto.createHmac('sha1', base32Decode(key)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, '0');
}

/** A PNG of noise (so it does not compress to nothing and its upload takes a moment). */
export function noisePng(width, height) {
  const png = new PNG({ width, height });
  crypto.randomFillSync(png.data);
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
  return PNG.sync.write(png);
}

/** The page's WCAG 2.1 A and AA violations found by axe-core, one line each (the page's CSP does not block it). */
export async function axe(page) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/**
 * A support agent made by the admin command (`agent create`, with `extra` arguments such as
 * `--admin`), whose invitation's link sets `password`; signed in on `page`. Answers the email.
 */
export async function invitedAgent(portal, page, password, name, extra = []) {
  const email = `${name}.${Date.now()}@support.example.test`;
  const out = await portal.cli(['agent', 'create', '--email', email, ...extra]);
  assert.match(out, new RegExp(email.replace(/[.]/g, '\\.')));
  const mail = await portal.mailbox.waitFor({ to: email, subjectIncludes: 'support account' });
  const link = mail.links.find((l) => l.includes('/reset-password'));
  assert.ok(link, `no set-password link in: ${mail.text}`);
  await page.goto(link);
  await page.getByLabel('New password').fill(password);
  await page.getByRole('button', { name: 'Save new password' }).click();
  await page.getByRole('status').filter({ hasText: 'Your password has been changed' }).waitFor();
  await submitSignIn(portal, page, email, password);
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  return email;
}

/** Turns on two-step verification from the console's own prompt (on `/agent`); answers the key. */
export async function turnOnAgentTwoStep(page, password) {
  await page.getByRole('link', { name: 'Turn on two-step verification' }).click();
  await page.getByRole('heading', { level: 1, name: 'Security' }).waitFor();
  return turnOnTwoStep(page, password);
}

/** On the security page with two-step verification off: steps up with `password`, turns it on; answers the key. */
async function turnOnTwoStep(page, password) {
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Set up two-step verification' }).click();
  const key = (await page.getByRole('group', { name: /Enter this setup key/ }).textContent()).replace(/\s/g, '');
  assert.match(key, /^[A-Z2-7]{32}$/);
  await page.getByLabel('Authentication code').fill(totp(key));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
  return key;
}
