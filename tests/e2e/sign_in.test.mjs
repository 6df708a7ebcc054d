// Signing in by keyboard alone, and errors that a screen reader announces: elements are found by
// role and accessible name only.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { register as registerVia } from './customers.mjs';
import { launchBrowser, startPortal } from './harness.mjs';

const PASSWORD = 'violet kettle harbour sprocket';

let portal;
let browser;

before(async () => {
  // A low per-account limit, so the throttle is reached in a few attempts.
  portal = await startPortal({ PORTAL_THROTTLE_PER_ACCOUNT: '3' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

const register = (email) => registerVia(portal, email, PASSWORD);

/** Presses Tab until `locator` has the focus; fails if it never does. */
async function tabTo(page, locator, what) {
  for (let i = 0; i < 15; i++) {
    if (await locator.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached ${what}`);
}

test('a customer signs in and out with the keyboard alone', async () => {
  const email = `keys.${Date.now()}@example.com`;
  await register(email);
  const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await page.goto(`${portal.baseUrl}/sign-in`);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();

  await tabTo(page, page.getByLabel('Email address'), 'the email field');
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  assert.ok(await page.getByLabel('Password').evaluate((el) => el === document.activeElement),
    'Tab goes from the email field to the password field');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  // A browser new to the account: the code mailed to its address, typed in by keyboard too.
  await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
  const mail = await portal.mailbox.waitFor({ to: email, subjectIncludes: 'sign-in code' });
  await tabTo(page, page.getByLabel('Code from the email'), 'the code field');
  await page.keyboard.type(mail.text.match(/^\d{6}$/m)[0]);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();

  const signOut = page.getByRole('button', { name: 'Sign out' });
  await tabTo(page, signOut, 'the sign-out button');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
});

test('a wrong password is announced, and so is the throttle, without saying whether the account exists', async () => {
  const email = `wrong.${Date.now()}@example.com`;
  await register(email);
  const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await page.goto(`${portal.baseUrl}/sign-in`);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();

  const attempt = async (who) => {
    await page.getByLabel('Email address').fill(who);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  await attempt(email);
  const wrong = page.getByRole('alert').filter({ hasText: /email address or password/i });
  await wrong.waitFor();
  const forRealAccount = await wrong.textContent();

  const fresh = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await fresh.goto(`${portal.baseUrl}/sign-in`);
  await fresh.getByLabel('Email address').fill(`nobody.${Date.now()}@example.com`);
  await fresh.getByLabel('Password').fill('not the password at all');
  await fresh.getByRole('button', { name: 'Sign in' }).click();
  const forNobody = await fresh.getByRole('alert').filter({ hasText: /email address or password/i }).textContent();
  assert.equal(forNobody, forRealAccount, 'the same words whether or not the account exists');

  await attempt(email);
  await attempt(email);
  await attempt(email);
  await page.getByRole('alert').filter({ hasText: /too many/i }).waitFor();
});

test('a new browser finishes signing in with the mailed code and is then remembered; "This was not me" stops an attempt', async () => {
  const email = `newbrowser.${Date.now()}@example.com`;
  await register(email);
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  const signIn = async () => {
    await page.goto(`${portal.baseUrl}/sign-in`);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  await signIn();
  await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
  // The password alone opened nothing.
  const me = await page.evaluate(async () => (await fetch('/api/me')).status);
  assert.equal(me, 401);
  const mail = await portal.mailbox.waitFor({ to: email, subjectIncludes: 'sign-in code' });
  const code = mail.text.match(/^\d{6}$/m)[0];
  assert.match(mail.subject, new RegExp(code));
  await page.getByLabel('Code from the email').fill(code === '123456' ? '654321' : '123456');
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByText('That code is not right').waitFor();
  assert.equal(await page.getByLabel('Code from the email').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Code from the email').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();

  // Signed out and in again: this browser is remembered, no code.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await signIn();
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();

  // Someone else, with the password, in another browser: the owner stops it from the mail.
  const thief = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await thief.goto(`${portal.baseUrl}/sign-in`);
  await thief.getByLabel('Email address').fill(email);
  await thief.getByLabel('Password').fill(PASSWORD);
  await thief.getByRole('button', { name: 'Sign in' }).click();
  await thief.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
  const alert = await portal.mailbox.waitFor({ to: email, subjectIncludes: 'sign-in code' });
  const notMe = alert.links.find((l) => l.includes('/sign-in/not-me?token='));
  assert.ok(notMe, alert.text);
  await page.goto(notMe);
  await page.getByText('That sign-in is stopped').waitFor();
  await page.getByRole('link', { name: 'Choose a new password' }).click();
  await page.getByRole('heading', { level: 1, name: 'Reset your password' }).waitFor();
  await thief.getByLabel('Code from the email').fill(alert.text.match(/^\d{6}$/m)[0]);
  await thief.getByRole('button', { name: 'Verify' }).click();
  await thief.getByRole('alert').filter({ hasText: 'took too long' }).waitFor();
  await thief.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await context.close();
});
