// Devices and sessions (docs/threat-model.md#t8): a customer sees every browser signed in to the
// account and signs any of them out at once. Each "device" is a browser context of its own (its own
// cookies), some with a phone's user agent. Elements are found by role and accessible name only.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { eventually, register as registerVia, signInWithMailedCode } from './customers.mjs';
import { launchBrowser, startPortal } from './harness.mjs';

const PASSWORD = 'violet kettle harbour sprocket';
const ANDROID_CHROME =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
// Names no browser and no system the server knows: the page must say so, not guess.
const UNRECOGNISED = 'Mozilla/5.0 (compatible; ExampleAgent/1.0)';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

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

const register = (email) => registerVia(portal, email, PASSWORD);

/** The sessions on the page: the list items headed by a device (not the sign-in activity's). */
const sessionItems = (page) => page.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 2 }) });

/**
 * A new device (browser context) signed in through the sign-in page; its page is left on the
 * account page. `problems` collects page errors and CSP violations.
 */
async function signedInDevice(email, problems, options = {}) {
  const context = await browser.newContext({ locale: 'en-US', ...options });
  const page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) problems.push(msg.text());
  });
  await signInWithMailedCode(portal, page, email, PASSWORD);
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  return { context, page };
}

/** The next navigation to /account of a device that was signed out lands on sign-in. */
async function assertSignedOut(page, signInHeading = 'Sign in') {
  await page.goto(`${portal.baseUrl}/account`);
  await page.getByRole('heading', { level: 1, name: signInHeading }).waitFor();
  assert.match(page.url(), /\/sign-in$/);
}

async function isFocused(locator) {
  return locator.evaluate((el) => el === document.activeElement);
}

test('a customer sees the phone signed in elsewhere and signs it out at once', async () => {
  const problems = [];
  const email = `two.devices.${Date.now()}@example.test`;
  await register(email);
  const desk = await signedInDevice(email, problems);
  const phone = await signedInDevice(email, problems, { userAgent: ANDROID_CHROME, ...PHONE });

  const page = desk.page;
  await page.getByRole('link', { name: 'Signed-in devices' }).click();
  await page.getByRole('heading', { level: 1, name: 'Devices and sessions' }).waitFor();
  assert.match(page.url(), /\/account\/sessions$/);
  const sessions = sessionItems(page);
  await eventually('two sessions', async () => (await sessions.count()) === 2);

  // This one: marked, and nothing to sign out here (the account page does that).
  const mine = sessions.filter({ hasText: 'This device' });
  assert.equal(await mine.count(), 1);
  assert.equal(await mine.getByRole('button').count(), 0);

  // The phone: named from its user agent, with where and when.
  const other = sessions.filter({ hasNotText: 'This device' });
  await other.getByRole('heading', { level: 2, name: 'Chrome on Android' }).waitFor();
  assert.deepEqual(await other.getByRole('term').allTextContents(), ['IP address', 'Signed in', 'Last active']);
  const [ip, signedIn, lastActive] = await other.getByRole('definition').allTextContents();
  assert.equal(ip, '127.0.0.1');
  const dateTime = /^[A-Z][a-z]+ \d{1,2}, \d{4}(,| at) \d{1,2}:\d{2}\s?[AP]M$/;
  assert.match(signedIn, dateTime);
  assert.match(lastActive, dateTime);

  // Its button says which device it signs out.
  const signOutPhone = page.getByRole('button', { name: 'Sign out Chrome on Android', exact: true });
  assert.equal(await signOutPhone.textContent(), 'Sign out');
  await signOutPhone.click();
  const status = page.getByRole('status').filter({ hasText: 'Signed out Chrome on Android.' });
  await status.waitFor();
  await eventually('the list to reload with one session', async () => (await sessions.count()) === 1);
  assert.equal(await sessions.filter({ hasText: 'This device' }).count(), 1);
  assert.ok(await isFocused(status), 'the result has the focus');
  assert.equal(await page.getByRole('button', { name: 'Sign out all other devices' }).count(), 0);
  await page.getByText('No other devices are signed in.').waitFor();

  // The phone was signed out at once; this browser was not.
  await assertSignedOut(phone.page);
  await page.getByRole('link', { name: 'Back to your account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();

  assert.deepEqual(problems, []);
  await desk.context.close();
  await phone.context.close();
});

test('"Sign out all other devices" ends every other session, in Japanese too', async () => {
  const problems = [];
  const email = `three.devices.${Date.now()}@example.test`;
  await register(email);
  const desk = await signedInDevice(email, problems);
  const phone = await signedInDevice(email, problems, { userAgent: IPHONE_SAFARI, ...PHONE });
  const odd = await signedInDevice(email, problems, { userAgent: UNRECOGNISED });

  const page = desk.page;
  await page.getByRole('link', { name: 'Signed-in devices' }).click();
  await page.getByRole('heading', { level: 1, name: 'Devices and sessions' }).waitFor();
  const sessions = sessionItems(page);
  await eventually('three sessions', async () => (await sessions.count()) === 3);
  await page.getByRole('heading', { level: 2, name: 'Safari on iOS' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Unknown browser on unknown device' }).waitFor();
  await page.getByRole('button', { name: 'Sign out Unknown browser on unknown device' }).waitFor();

  // The language switch relabels everything, dates included.
  await page.getByLabel('Language').selectOption({ label: '日本語' });
  await page.getByRole('heading', { level: 1, name: 'デバイスとセッション' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'iOSのSafari' }).waitFor();
  await page.getByRole('heading', { level: 2, name: '不明なデバイスの不明なブラウザ' }).waitFor();
  await sessions.filter({ hasText: 'このデバイス' }).waitFor();
  await page.getByRole('button', { name: 'iOSのSafariをログアウト', exact: true }).waitFor();
  const signedIn = await sessions.first().getByRole('definition').nth(1).textContent();
  assert.match(signedIn, /^\d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d{2}$/);

  // By keyboard: focus the button, press Enter.
  const all = page.getByRole('button', { name: 'ほかのすべてのデバイスをログアウト' });
  await all.focus();
  await page.keyboard.press('Enter');
  const status = page.getByRole('status').filter({ hasText: '2台のデバイスをログアウトしました。' });
  await status.waitFor();
  await eventually('the list to reload with one session', async () => (await sessions.count()) === 1);
  assert.ok(await isFocused(status), 'the result has the focus');
  assert.equal(await all.count(), 0);
  await page.getByText('ほかにログインしているデバイスはありません。').waitFor();

  // Back in English, the result is re-worded rather than left in Japanese.
  await page.getByLabel('言語').selectOption({ label: 'English' });
  await page.getByRole('status').filter({ hasText: 'Signed out 2 devices.' }).waitFor();

  await assertSignedOut(phone.page);
  await assertSignedOut(odd.page);
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Devices and sessions' }).waitFor();
  await eventually('one session after a reload', async () => (await sessions.count()) === 1);

  assert.deepEqual(problems, []);
  for (const device of [desk, phone, odd]) await device.context.close();
});

test('a device signed out meanwhile is announced as an alert; the page itself signed out goes to sign-in', async () => {
  const problems = [];
  const email = `meanwhile.${Date.now()}@example.test`;
  await register(email);
  const desk = await signedInDevice(email, problems);
  const phone = await signedInDevice(email, problems, { userAgent: ANDROID_CHROME, ...PHONE });

  const page = desk.page;
  await page.goto(`${portal.baseUrl}/account/sessions`);
  await page.getByRole('heading', { level: 1, name: 'Devices and sessions' }).waitFor();
  const signOutPhone = page.getByRole('button', { name: 'Sign out Chrome on Android' });
  await signOutPhone.waitFor();

  // The phone signs itself out while the list is on screen.
  await phone.page.getByRole('button', { name: 'Sign out' }).click();
  await phone.page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();

  await signOutPhone.click();
  const alert = page.getByRole('alert').filter({ hasText: 'That device was already signed out.' });
  await alert.waitFor();
  await eventually('the list to catch up', async () => (await sessionItems(page).count()) === 1);
  assert.equal(await page.getByRole('status').textContent(), '');

  // This browser signed out from elsewhere (another tab, here the API): the next action goes to sign-in.
  const again = await signedInDevice(email, problems, { userAgent: IPHONE_SAFARI, ...PHONE });
  await page.reload();
  const signOutIphone = page.getByRole('button', { name: 'Sign out Safari on iOS' });
  await signOutIphone.waitFor();
  const ended = await page.evaluate(async () => (await fetch('/api/sign-out', { method: 'POST' })).status);
  assert.ok(ended >= 200 && ended < 300, `sign-out answered ${ended}`);
  await signOutIphone.click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  // ... and nothing was ended on its behalf.
  await again.page.reload();
  await again.page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();

  assert.deepEqual(problems, []);
  for (const device of [desk, phone, again]) await device.context.close();
});

test('the sign-in activity shows a stranger’s wrong passwords and mailed code, with the browser', async () => {
  const problems = [];
  const email = `activity.${Date.now()}@example.com`;
  await register(email);
  const mine = await signedInDevice(email, problems);

  // Someone with a leaked list tries from a phone: a wrong password, then the right one.
  const stranger = await browser.newContext({ locale: 'en-US', userAgent: ANDROID_CHROME, ...PHONE });
  const page = await stranger.newPage();
  await page.goto(`${portal.baseUrl}/sign-in`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill('not my password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: /email address or password/i }).waitFor();
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();

  await mine.page.goto(`${portal.baseUrl}/account/sessions`);
  const activity = mine.page.getByRole('region', { name: 'Sign-in activity' });
  await activity.getByRole('listitem').first().waitFor();
  const items = await eventually('the wrong password in the list', async () => {
    await mine.page.reload();
    await activity.getByRole('listitem').first().waitFor();
    const texts = await activity.getByRole('listitem').allTextContents();
    return texts.length >= 3 && texts;
  });
  assert.match(items[0], /^New browser: code emailed.*Chrome on Android/);
  assert.match(items[1], /^Wrong password.*127\.0\.0\.1 · Chrome on Android/);
  assert.match(items[2], /^Signed in/);
  assert.deepEqual(problems, []);
  await Promise.all([stranger.close(), mine.context.close()]);
});
