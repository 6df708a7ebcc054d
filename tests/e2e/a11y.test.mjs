// Every page checked by axe-core against WCAG 2.1 A and AA rules, in English and Japanese, at
// desktop and phone widths: missing labels, bad contrast, broken ARIA and the like fail here.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { axe } from './customers.mjs';
import { launchBrowser, startPortal } from './harness.mjs';

const PASSWORD = 'violet kettle harbour sprocket';

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

// What each language calls the fields and buttons these checks use.
const WORDS = {
  'en-US': {
    email: 'Email address', password: 'Password', signIn: 'Sign in', next: 'Continue', setUp: 'Set up two-step verification',
    checkEmail: 'Check your email', mailedCode: 'Code from the email', verify: 'Verify', newPassword: 'Choose a new password',
  },
  'ja-JP': {
    email: 'メールアドレス', password: 'パスワード', signIn: 'ログイン', next: '続ける', setUp: '2段階認証を設定する',
    checkEmail: 'メールをご確認ください', mailedCode: 'メールに記載のコード', verify: '確認する', newPassword: '新しいパスワードを設定する',
  },
};

test('the check itself fails on an unlabelled field', async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${portal.baseUrl}/sign-in`);
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.evaluate(() => document.querySelector('main, body').append(document.createElement('input')));
  assert.ok((await axe(page)).some((v) => v.startsWith('label:')), 'axe must report the unlabelled input');
});

for (const [locale, viewport] of [['en-US', { width: 1200, height: 900 }], ['ja-JP', { width: 375, height: 740 }]]) {
  test(`every page passes axe's WCAG 2.1 AA rules (${locale}, ${viewport.width}px)`, async () => {
    const words = WORDS[locale];
    const context = await browser.newContext({ locale, viewport });
    const page = await context.newPage();
    const found = {};
    const check = async (name) => {
      // The app has rendered once its h1 is there.
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      found[name] = await axe(page);
    };

    await page.goto(`${portal.baseUrl}/sign-in`);
    await check('sign-in');
    // Errors shown: a failed sign-in leaves an alert and the form as it was.
    await page.getByLabel(words.email).fill(`nobody.${Date.now()}@example.com`);
    await page.getByLabel(words.password, { exact: true }).fill('wrong password here');
    await page.getByRole('button', { name: words.signIn, exact: true }).click();
    await page.getByRole('alert').first().waitFor();
    await check('sign-in with an error');

    await page.goto(`${portal.baseUrl}/sign-up`);
    await check('sign-up');
    await page.getByLabel(words.password, { exact: true }).fill('qwerty');
    await page.getByRole('meter').waitFor();
    await check('sign-up with the meter');

    await page.goto(`${portal.baseUrl}/verify-email?token=not-a-real-token`);
    await check('verify-email, invalid link');
    await page.goto(`${portal.baseUrl}/sign-in/not-me?token=not-a-real-token`);
    await page.getByRole('link', { name: words.newPassword }).waitFor();
    await check('not me, invalid link');
    await page.goto(`${portal.baseUrl}/no/such/page`);
    await check('not found');
    await page.goto(`${portal.baseUrl}/forgot-password`);
    await check('forgotten password');
    await page.goto(`${portal.baseUrl}/reset-password?token=not-a-real-token`);
    await check('reset password');
    await page.goto(`${portal.baseUrl}/confirm-email?token=not-a-real-token`);
    await page.getByRole('link').last().waitFor();
    await check('confirm email, invalid link');

    const email = `a11y.${locale}.${Date.now()}@example.com`;
    const r = await fetch(`${portal.baseUrl}/api/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: portal.baseUrl },
      body: JSON.stringify({ email, password: PASSWORD, display_name: 'محمد 山田 🚀' }),
    });
    assert.equal(r.status, 202);
    await page.goto(`${portal.baseUrl}/sign-in`);
    await page.getByLabel(words.email).fill(email);
    await page.getByLabel(words.password, { exact: true }).fill(PASSWORD);
    await page.getByLabel(words.password, { exact: true }).press('Enter');
    // A browser new to the account: the code mailed to it, first wrong (an error shown).
    await page.getByRole('heading', { level: 1, name: words.checkEmail }).waitFor();
    await check('sign-in, mailed code');
    const mail = await portal.mailbox.waitFor({ to: email, subjectIncludes: 'sign-in code' });
    const code = mail.text.match(/^\d{6}$/m)[0];
    await page.getByLabel(words.mailedCode).fill(code === '000000' ? '000001' : '000000');
    await page.getByRole('button', { name: words.verify }).click();
    await page.getByLabel(words.mailedCode).and(page.locator('[aria-invalid="true"]')).waitFor();
    await check('sign-in, wrong mailed code');
    await page.getByLabel(words.mailedCode).fill(code);
    await page.getByRole('button', { name: words.verify }).click();
    await page.waitForURL('**/account');
    await check('account, unverified');
    await page.goto(`${portal.baseUrl}/account/sessions`);
    await page.getByRole('listitem').first().waitFor();
    await check('devices and sessions');
    await page.goto(`${portal.baseUrl}/account/security`);
    await page.getByLabel(words.password, { exact: true }).waitFor();
    await check('security, step-up');
    await page.getByLabel(words.password, { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: words.next }).click();
    await page.getByRole('button', { name: words.setUp }).click();
    await page.getByRole('img').waitFor();
    await check('security, enrolment with the QR code');
    await page.goto(`${portal.baseUrl}/account/password`);
    await page.getByRole('button').last().waitFor();
    await check('change password');
    await page.goto(`${portal.baseUrl}/account/email`);
    await page.getByRole('button').last().waitFor();
    await check('change email');
    // The wallet of a new, unconfirmed customer: empty states and refusals are pages too.
    for (const [path, name] of [
      ['/wallet', 'wallet'],
      ['/wallet/cards', 'cards'],
      ['/wallet/top-up', 'top-up'],
      ['/wallet/pay', 'pay, address not confirmed'],
      ['/wallet/history', 'history'],
      ['/wallet/disputes', 'disputes'],
      ['/wallet/report-fraud', 'report fraud, no history'],
      ['/wallet/fraud-reports', 'fraud reports, none'],
      ['/wallet/fraud-reports/F-AAAA-AAAA-AAAA', 'fraud report, not found'],
    ]) {
      await page.goto(`${portal.baseUrl}${path}`);
      await page.getByRole('link').last().waitFor();
      await page.waitForLoadState('networkidle');
      await check(name);
    }

    await context.close();
    for (const [name, list] of Object.entries(found)) {
      assert.deepEqual(list, [], `${name} (${locale})`);
    }
  });
}
