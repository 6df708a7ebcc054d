// Changing the password and the email address from the account pages
// (docs/threat-model.md#t4, #t8): both need a fresh step-up; a password change ends the other
// browsers' sessions; a new address takes effect only through the link mailed to it, and the old
// address is told. Real Chromium, the real server, a real SMTP server; elements found by role and
// accessible name only.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { confirmedCustomer, newPage, signInWithMailedCode, submitSignIn } from './customers.mjs';
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

async function signedIn(email, password = PASSWORD) {
  const opened = await newPage(browser);
  await signInWithMailedCode(portal, opened.page, email, password);
  await opened.page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  return opened;
}

test('changing the password asks who it is, checks the current password, and ends the other browser’s session', async () => {
  const email = await confirmedCustomer(portal, 'yui', PASSWORD);
  const { context, page, problems } = await signedIn(email);
  const other = await signedIn(email);

  await page.getByRole('link', { name: 'Change password' }).click();
  await page.getByRole('heading', { level: 1, name: 'Change your password' }).waitFor();
  // No form before the step-up.
  assert.equal(await page.getByLabel('Current password').count(), 0);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Continue' }).click();

  await page.getByLabel('Current password').fill('not my password at all');
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('alert').filter({ hasText: 'not correct' }).waitFor();
  assert.equal(await page.getByLabel('Current password').getAttribute('aria-invalid'), 'true');

  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('status').filter({ hasText: 'Your password has been changed' }).waitFor();
  await portal.mailbox.waitFor({ to: email, subjectIncludes: 'password was changed' });

  // This browser stays signed in; the other one is out at its next request.
  await page.goto(`${portal.baseUrl}/account`);
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  await other.page.goto(`${portal.baseUrl}/account`);
  await other.page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();

  // Only the new password signs in now.
  await submitSignIn(portal, other.page, email, PASSWORD);
  await other.page.getByRole('alert').filter({ hasText: 'not correct' }).waitFor();
  await submitSignIn(portal, other.page, email, NEW_PASSWORD);
  await other.page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();

  assert.deepEqual([...problems, ...other.problems], []);
  await Promise.all([context.close(), other.context.close()]);
});

test('a new email address takes effect only from the link mailed to it, and the old address is told', async () => {
  const email = await confirmedCustomer(portal, 'ren', PASSWORD);
  const newEmail = `ren.new.${Date.now()}@example.test`;
  const { context, page, problems } = await signedIn(email);

  await page.getByRole('link', { name: 'Change email address' }).click();
  await page.getByRole('heading', { level: 1, name: 'Change your email address' }).waitFor();
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Continue' }).click();

  // The address already on file is not a change.
  await page.getByLabel('New email address').fill(email);
  await page.getByRole('button', { name: 'Send confirmation link' }).click();
  await page.getByRole('alert').filter({ hasText: 'already your email address' }).waitFor();

  await page.getByLabel('New email address').fill(newEmail);
  await page.getByRole('button', { name: 'Send confirmation link' }).click();
  await page.getByRole('status').filter({ hasText: `We have sent a link to ${newEmail}` }).waitFor();
  await portal.mailbox.waitFor({ to: email, subjectIncludes: 'change of your' });

  // Nothing has changed yet: the old address still signs in, the new one does not.
  const probe = await newPage(browser);
  await submitSignIn(portal, probe.page, newEmail, PASSWORD);
  await probe.page.getByRole('alert').filter({ hasText: 'not correct' }).waitFor();
  await page.goto(`${portal.baseUrl}/account/email`);
  await page.getByText(`Waiting for confirmation: ${newEmail}`).waitFor();

  const mail = await portal.mailbox.waitFor({ to: newEmail, subjectIncludes: 'Confirm your new email' });
  const link = mail.links.find((l) => l.includes('/confirm-email?token='));
  assert.ok(link, mail.text);
  await probe.page.goto(link);
  await probe.page.getByRole('heading', { level: 1, name: 'Confirm your new email address' }).waitFor();
  await probe.page.getByText('Your email address has been changed').waitFor();
  await portal.mailbox.waitFor({ to: email, subjectIncludes: 'email address was changed' });

  // Used once only.
  await probe.page.goto(link);
  await probe.page.getByText('This link is invalid or has expired').waitFor();

  // The new address signs in; the old one no longer does.
  await submitSignIn(portal, probe.page, email, PASSWORD);
  await probe.page.getByRole('alert').filter({ hasText: 'not correct' }).waitFor();
  await signInWithMailedCode(portal, probe.page, newEmail, PASSWORD);
  await probe.page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  await probe.page.getByText(newEmail).first().waitFor();

  assert.deepEqual([...problems, ...probe.problems], []);
  await Promise.all([context.close(), probe.context.close()]);
});
