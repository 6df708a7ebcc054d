// The sign-up flow in a real browser, as a screen-reader user would go through it: every element
// is found by its role and accessible name, never by CSS or test ids.
//
// Runs against the real server (release build) serving the built SPA (dist/), with a real SMTP
// sink, through tests/e2e/harness.mjs.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { eventually, newPage as pageIn } from './customers.mjs';
import { launchBrowser, startPortal } from './harness.mjs';

// In zxcvbn's password list, so the shipped breach corpus has it too.
const BREACHED_PASSWORD = 'password1234';
const STRONG_PASSWORD = 'violet kettle harbour sprocket';

let portal;
let browser;

before(async () => {
  portal = await startPortal();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

const newPage = (locale = 'en-US') => pageIn(browser, { locale });

test('a newcomer signs up, confirms the address, signs in, switches to Japanese and signs out', async () => {
  const { context, page, problems } = await newPage();
  const email = `hana.sato.${Date.now()}@example.test`;

  await page.goto(`${portal.baseUrl}/sign-up`);
  await page.getByRole('heading', { level: 1, name: 'Create your account' }).waitFor();
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Display name (optional)').fill('Hana Sato');

  const password = page.getByLabel('Password', { exact: true });
  const meter = page.getByRole('meter', { name: 'Password strength' });
  const feedback = page.getByRole('status').filter({ hasText: 'Strength:' });

  // A weak password: the meter reacts and zxcvbn's warning is shown, translated.
  await password.fill('password');
  await eventually('the meter to rate "password"', async () =>
    (await meter.getAttribute('aria-valuetext')) === 'Very weak');
  await feedback.filter({ hasText: 'This is one of the 10 most common passwords.' }).waitFor();
  await feedback.filter({ hasText: 'Choose a password rated at least “Strong”.' }).waitFor();

  // A breached password: nothing about breaches while typing, the message once the field is left.
  await password.fill(BREACHED_PASSWORD);
  const breachAlert = page.getByRole('alert').filter({ hasText: /known data breach/ });
  await sleep(300);
  assert.equal(await breachAlert.count(), 0, 'the breach check must not run per keystroke');
  await page.keyboard.press('Tab');
  await breachAlert.waitFor();
  assert.match(await breachAlert.textContent(), /This password appears ([\d,]+ times )?in (a )?known data breach/);
  assert.equal(await password.getAttribute('aria-invalid'), 'true');

  // ... and it is refused: by the page on submit, and by the server when asked directly.
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('alert').filter({ hasText: /known data breach|too easy to guess/ }).waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Check your email' }).count(), 0);
  const direct = await page.evaluate(async (pw) => {
    const res = await fetch('/api/register', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'direct.api@example.test', password: pw }),
    });
    return { status: res.status, body: await res.json() };
  }, BREACHED_PASSWORD);
  assert.equal(direct.status, 422, JSON.stringify(direct));
  assert.ok(['password_breached', 'password_weak'].includes(direct.body.error.code), JSON.stringify(direct));
  assert.equal(direct.body.error.field, 'password');

  // A strong one: the breach message goes, the meter says so, and the account is created.
  await password.fill(STRONG_PASSWORD);
  await eventually('the meter to rate the strong password', async () =>
    /^(Strong|Very strong)$/.test((await meter.getAttribute('aria-valuetext')) ?? ''));
  assert.equal(await breachAlert.count(), 0);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();

  // The link in the mail confirms the address.
  const mail = await portal.mailbox.waitFor({ to: email, timeoutMs: 20_000 });
  const link = mail.links.find((l) => l.includes('/verify-email?token='));
  assert.ok(link, `no verification link in: ${mail.text}`);
  await page.goto(link);
  await page.getByRole('heading', { level: 1, name: 'Confirm your email address' }).waitFor();
  await page.getByText('Your email address is confirmed.').waitFor();
  await page.getByRole('link', { name: 'Go to your account' }).click();

  // Not signed in yet: the account page sends to sign-in.
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(STRONG_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();

  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  const emailShown = page.getByRole('definition').filter({ hasText: email });
  await emailShown.waitFor();
  assert.match(await emailShown.textContent(), /Verified/);
  assert.doesNotMatch(await emailShown.textContent(), /Not verified/);
  assert.equal(await page.getByRole('button', { name: 'Resend verification email' }).count(), 0);
  await page.getByRole('definition').filter({ hasText: 'Hana Sato' }).waitFor();

  // Japanese: the switch relabels the page and is remembered.
  await page.getByLabel('Language').selectOption({ label: '日本語' });
  await page.getByRole('heading', { level: 1, name: 'アカウント' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ja');
  await page.getByRole('definition').filter({ hasText: /\d{4}年\d{1,2}月\d{1,2}日/ }).waitFor();
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'アカウント' }).waitFor();

  await page.getByRole('button', { name: 'ログアウト' }).click();
  await page.getByRole('heading', { level: 1, name: 'ログイン' }).waitFor();
  await page.goto(`${portal.baseUrl}/account`);
  await page.getByRole('heading', { level: 1, name: 'ログイン' }).waitFor();

  assert.deepEqual(problems, []);
  await context.close();
});

test('the sign-in page loads neither the strength worker nor the signed-in area; the pages that need them do', async () => {
  const { context, page, problems } = await newPage();
  const requested = [];
  const workers = [];
  page.on('request', (req) => requested.push(new URL(req.url()).pathname));
  let workersClosed = 0;
  page.on('worker', (worker) => {
    workers.push(worker.url());
    worker.on('close', () => workersClosed++);
  });

  // Not even a preload hint: Trunk must not list the worker's files, nor the whole app's, in
  // index.html.
  const html = await (await fetch(`${portal.baseUrl}/sign-in`)).text();
  assert.doesNotMatch(html, /worker/i);
  assert.doesNotMatch(html, /portal-account/);

  await page.goto(`${portal.baseUrl}/sign-in`);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.getByLabel('Email address').fill('someone@example.test');
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.waitForLoadState('networkidle');
  await sleep(500);
  assert.deepEqual(requested.filter((p) => p.includes('worker')), []);
  assert.deepEqual(workers, []);
  assert.deepEqual(requested.filter((p) => p.includes('portal-account')), []);

  // The same check would pass if the worker never loaded anywhere: show that it does where a
  // password is chosen.
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Create your account' }).waitFor();
  await eventually('the strength worker to start', () => workers.length > 0);
  await page.getByLabel('Password', { exact: true }).fill('qwerty');
  await eventually('a rating from the worker', async () =>
    (await page.getByRole('meter', { name: 'Password strength' }).getAttribute('aria-valuetext')) === 'Very weak');
  assert.ok(requested.some((p) => p.endsWith('/strength-worker_bg.wasm')), requested.join(' '));

  // Leaving the page ends the worker (zxcvbn's dictionaries hold tens of MB). The click also
  // blurs the too-short password, whose message must not move the link from under the pointer.
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await eventually('the strength worker to end', () => workersClosed === workers.length);

  // The signed-in area is the other bundle: an account address fetches it (and, signed out,
  // that app sends the visitor back to sign-in).
  await page.goto(`${portal.baseUrl}/account`);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  assert.ok(requested.some((p) => p === '/portal-account_bg.wasm'), requested.join(' '));

  // When the whole app cannot be fetched, the visitor is told so and offered a retry, not a
  // blank page.
  const offline = await newPage();
  await offline.page.route('**/portal-account*', (route) => route.abort());
  await offline.page.goto(`${portal.baseUrl}/account/security`);
  await offline.page.getByRole('status').filter({ hasText: 'could not reach the service' }).waitFor();
  const retry = offline.page.getByRole('link', { name: 'Try again' });
  assert.equal(await retry.getAttribute('href'), `${portal.baseUrl}/account/security`);
  await offline.page.unroute('**/portal-account*');
  await retry.click();
  await offline.page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  assert.deepEqual(offline.problems, []);
  await offline.context.close();

  assert.deepEqual(problems, []);
  await context.close();
});

test('the page follows the browser language and never freezes on long input', async () => {
  const { context, page, problems } = await newPage('ja-JP');
  await page.goto(`${portal.baseUrl}/sign-up`);
  await page.getByRole('heading', { level: 1, name: 'アカウントを作成' }).waitFor();
  await page.getByRole('button', { name: 'アカウントを作成' }).waitFor();
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.longTasks.push(Math.round(entry.duration));
    }).observe({ type: 'longtask' });
  });

  // 256 characters (the longest password allowed) of patterns zxcvbn has to work hard on,
  // typed key by key and then pasted whole.
  const hard = '1qaz2wsx3edc19901231abcabcqwertyuiopzxcvbnm'.repeat(7).slice(0, 256);
  const password = page.getByLabel('パスワード', { exact: true });
  await password.pressSequentially(hard.slice(0, 64));
  await password.fill(hard);
  await eventually('a rating of the long input', async () =>
    /強い|弱い/.test((await page.getByRole('meter', { name: 'パスワードの強度' }).getAttribute('aria-valuetext')) ?? ''));
  const longTasks = await page.evaluate(() => window.longTasks);
  assert.ok(longTasks.every((ms) => ms < 200), `main thread blocked: ${longTasks.join(', ')} ms`);

  // One character more than allowed is refused with the rule's own limit.
  await password.fill(hard + 'x');
  await page.keyboard.press('Tab');
  await page.getByRole('alert').filter({ hasText: '256文字以内で入力してください。' }).waitFor();

  assert.deepEqual(problems, []);
  await context.close();
});
