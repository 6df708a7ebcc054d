// Two-step verification and account recovery (docs/threat-model.md#t2, #t3, #t5), in real Chromium
// against the real server and a real SMTP server. The TOTP codes come from the key the page shows,
// through an RFC 6238 implementation written for the tests (customers.mjs), not from the server's
// code. Elements are found by role and accessible name only.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import jsQR from 'jsqr';
import { PNG } from 'pngjs';

import { confirmedCustomer as confirmed, newPage as pageIn, signInWithMailedCode, submitSignIn, totp } from './customers.mjs';
import { launchBrowser, startPortal } from './harness.mjs';

const PASSWORD = 'violet kettle harbour sprocket';
const NEW_PASSWORD = 'copper lantern meadow quartet';

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

test('the RFC 6238 helper of these tests matches the RFC (Appendix B, SHA-1)', () => {
  // The RFC's key is the ASCII "12345678901234567890"; its 8-digit values end in these 6 digits.
  const key = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  assert.equal(totp(key, 59_000), '287082');
  assert.equal(totp(key, 1_111_111_109_000), '081804');
  assert.equal(totp(key, 2_000_000_000_000), '279037');
});

const newPage = () => pageIn(browser);

/** What a phone's camera would read: the QR code as drawn on screen, decoded from pixels. */
async function scanQr(locator) {
  const png = PNG.sync.read(await locator.screenshot());
  const found = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  assert.ok(found, 'the QR code on screen does not decode');
  return found.data;
}

const confirmedCustomer = (name) => confirmed(portal, name, PASSWORD);

const fillPasswordStep = (page, email, password = PASSWORD) => submitSignIn(portal, page, email, password);

async function signOut(page) {
  await page.goto(`${portal.baseUrl}/account`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
}

/** Signs in with the password, then `code` at the second step; lands on the account page. */
async function signInWithCode(page, email, code) {
  await fillPasswordStep(page, email);
  await page.getByRole('heading', { level: 1, name: 'Two-step verification' }).waitFor();
  await page.getByLabel('Authentication code').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
}

test('a customer turns on two-step verification by scanning the QR code, then signs in with a code and with a recovery code, once', async () => {
  const { context, page, problems } = await newPage();
  const email = await confirmedCustomer('kenji');
  await signInWithMailedCode(portal, page, email, PASSWORD);
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();

  await page.getByRole('link', { name: 'Security and two-step verification' }).click();
  await page.getByRole('heading', { level: 1, name: 'Security' }).waitFor();
  // Step-up first: while 2FA is off, the password.
  await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('alert').filter({ hasText: 'not correct' }).waitFor();
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Continue' }).click();

  await page.getByRole('button', { name: 'Set up two-step verification' }).click();
  await page.getByRole('heading', { name: 'Set up your authenticator app' }).waitFor();
  // Scanned, as a phone would; the typed key and the app link say the same.
  const uri = new URL(await scanQr(page.getByRole('img', { name: 'QR code for your authenticator app' })));
  const key = uri.searchParams.get('secret');
  assert.match(key, /^[A-Z2-7]{32}$/);
  const typed = await page.getByRole('group', { name: /Enter this setup key/ }).textContent();
  assert.equal(typed.replace(/\s/g, ''), key);
  assert.equal(await page.getByRole('link', { name: /Open in an authenticator app/ }).getAttribute('href'), uri.href);
  assert.equal(uri.protocol, 'otpauth:');
  assert.equal(uri.searchParams.get('issuer'), 'Mamoru Wallet');
  assert.equal(uri.host, 'totp');
  assert.equal(decodeURIComponent(uri.pathname), `/Mamoru Wallet:${email}`);
  for (const [name, value] of [['algorithm', 'SHA1'], ['digits', '6'], ['period', '30']]) {
    assert.ok([null, value].includes(uri.searchParams.get(name)), `${name}=${uri.searchParams.get(name)}`);
  }

  // A wrong code is refused and the factor stays off; the right one turns it on.
  const wrong = String((Number(totp(key)) + 500_000) % 1_000_000).padStart(6, '0');
  await page.getByLabel('Authentication code').fill(wrong);
  await page.getByRole('button', { name: 'Turn on' }).click();
  await page.getByRole('alert').filter({ hasText: 'not right' }).waitFor();
  await page.getByLabel('Authentication code').fill(totp(key));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
  const codes = await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  const download = await page.getByRole('link', { name: 'Download codes' }).getAttribute('href');
  const file = decodeURIComponent(download.replace(/^data:text\/plain;charset=utf-8,/, ''));
  for (const code of codes) assert.ok(file.includes(code), `${code} missing from the download`);
  await page.getByRole('button', { name: 'I have saved my codes' }).click();
  await page.getByRole('status').filter({ hasText: 'Two-step verification is on.' }).waitFor();
  await portal.mailbox.waitFor({ to: email, subjectIncludes: 'Two-step verification is now on' });

  await signOut(page);
  // The password alone is not a session: the second step is shown, and the account page sends
  // the visitor back to sign-in.
  await fillPasswordStep(page, email);
  await page.getByRole('heading', { level: 1, name: 'Two-step verification' }).waitFor();
  await page.goto(`${portal.baseUrl}/account`);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();

  // The code of the next 30-second step (the server accepts one step either side, and the
  // current step's code was spent on enrolment).
  await signInWithCode(page, email, totp(key, Date.now() + 30_000));
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();

  await signOut(page);
  await signInWithCode(page, email, codes[3]);
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  await portal.mailbox.waitFor({ to: email, subjectIncludes: 'A recovery code was used' });

  // The same recovery code a second time: refused, announced at the field.
  await signOut(page);
  await signInWithCode(page, email, codes[3]);
  await page.getByRole('alert').filter({ hasText: 'already been used' }).waitFor();
  assert.equal(await page.getByLabel('Authentication code').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Authentication code').fill(codes[4].toLowerCase());
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();

  // Turning it off needs the password and a code; the step-up now wants a code, not the password.
  await page.getByRole('link', { name: 'Security and two-step verification' }).click();
  await page.getByRole('heading', { level: 1, name: 'Security' }).waitFor();
  await page.getByText('Unused recovery codes: 8').waitFor();
  const turnOff = page.getByRole('region', { name: 'Turn off two-step verification' });
  await turnOff.getByLabel('Password').fill(PASSWORD);
  await turnOff.getByLabel('Authentication code').fill(codes[5]);
  await turnOff.getByRole('button', { name: 'Turn off' }).click();
  await page.getByRole('status').filter({ hasText: 'Two-step verification is off.' }).waitFor();
  await portal.mailbox.waitFor({ to: email, subjectIncludes: 'Two-step verification was turned off' });

  assert.deepEqual(problems, []);
  await context.close();
});

test('a forgotten password is reset from the mailed link, with a recovery code while two-step verification is on, and every session ends', async () => {
  const { context, page, problems } = await newPage();
  const email = await confirmedCustomer('mai');

  // Two-step verification on, through the page as in the test above.
  await signInWithMailedCode(portal, page, email, PASSWORD);
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  await page.goto(`${portal.baseUrl}/account/security`);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Set up two-step verification' }).click();
  const key = (await page.getByRole('group', { name: /Enter this setup key/ }).textContent()).replace(/\s/g, '');
  await page.getByLabel('Authentication code').fill(totp(key));
  await page.getByRole('button', { name: 'Turn on' }).click();
  const codes = await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();

  // Another browser stays signed in; the reset must end its session too.
  const other = await browser.newContext({ locale: 'en-US' });
  const otherPage = await other.newPage();
  await signInWithCode(otherPage, email, codes[0]);
  await otherPage.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();

  // Forgotten: from the sign-in page, only an address.
  const visitor = await browser.newContext({ locale: 'en-US' });
  const resetPage = await visitor.newPage();
  resetPage.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  await resetPage.goto(`${portal.baseUrl}/sign-in`);
  await resetPage.getByRole('link', { name: 'Forgot your password?' }).click();
  await resetPage.getByRole('heading', { level: 1, name: 'Reset your password' }).waitFor();
  await resetPage.getByLabel('Email address').fill(email);
  await resetPage.getByRole('button', { name: 'Send link' }).click();
  await resetPage.getByRole('status').filter({ hasText: email }).waitFor();

  const mail = await portal.mailbox.waitFor({ to: email, subjectIncludes: 'Reset your' });
  const link = mail.links.find((l) => l.includes('/reset-password?token='));
  assert.ok(link, mail.text);
  await resetPage.goto(link);
  await resetPage.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
  await resetPage.getByLabel('New password').fill(NEW_PASSWORD);
  await resetPage.getByRole('button', { name: 'Save new password' }).click();
  // The server wants a code as well: the field appears and is announced.
  await resetPage.getByRole('status').filter({ hasText: 'two-step verification' }).waitFor();
  await resetPage.getByLabel('Authentication code').fill(codes[1]);
  await resetPage.getByRole('button', { name: 'Save new password' }).click();
  await resetPage.getByRole('status').filter({ hasText: 'Your password has been changed' }).waitFor();
  await portal.mailbox.waitFor({ to: email, subjectIncludes: 'password was changed' });

  // The link was single-use.
  await resetPage.goto(link);
  await resetPage.getByLabel('New password').fill('another fresh passphrase here');
  await resetPage.getByRole('button', { name: 'Save new password' }).click();
  await resetPage.getByRole('alert').filter({ hasText: 'already been used' }).waitFor();

  // Every session ended, this one's and the other browser's.
  for (const p of [page, otherPage]) {
    await p.goto(`${portal.baseUrl}/account`);
    await p.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  }
  // The old password is dead; the new one and a code sign in.
  await fillPasswordStep(page, email);
  await page.getByRole('alert').filter({ hasText: 'not correct' }).waitFor();
  await fillPasswordStep(page, email, NEW_PASSWORD);
  await page.getByRole('heading', { level: 1, name: 'Two-step verification' }).waitFor();
  await page.getByLabel('Authentication code').fill(codes[2]);
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();

  assert.deepEqual(problems, []);
  await Promise.all([context.close(), other.close(), visitor.close()]);
});
