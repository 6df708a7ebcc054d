// What several browser tests need: customers made through the API and the real mail, pages that
// collect their own errors, and waiting without fixed sleeps.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

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
