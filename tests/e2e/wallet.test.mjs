// The wallet end to end (docs/threat-model.md#t9, #t10, #t13): a customer adds a card and tops up
// after step-up, pays at a (simulated) store with the code on screen, finds the payment by filter
// and disputes it with a screenshot attached, and reads the dispute's timeline. The store is the
// merchant API called the way a till would, with a key made by `portal-server merchant create`.
// Real Chromium, the real server, a real SMTP server; elements found by role and accessible name
// only.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import jsQR from 'jsqr';
import { PNG } from 'pngjs';

import { confirmedCustomer, createMerchant, newPage, signInWithMailedCode, turnOnTwoStepForMoney } from './customers.mjs';
import { launchBrowser, startPortal } from './harness.mjs';

const PASSWORD = 'violet kettle harbour sprocket';
// The simulated card network approves this one (crates/server: the simulated processor).
const APPROVED_CARD = '4242 4242 4242 4242';
const MEMO = 'Bento 🍱 + Café au lait\nمطعم <b>x</b>';
const DETAILS = 'I was at home all day.\nI have never been to this shop 🤔\n<script>alert(1)</script>';

let portal;
let browser;
let merchantKey;

before(async () => {
  portal = await startPortal();
  browser = await launchBrowser();
  merchantKey = await createMerchant(portal, 'Kissa Midori 喫茶みどり');
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

async function redeem(code, minor, memo) {
  const r = await fetch(`${portal.baseUrl}/api/merchant/redemptions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${merchantKey}`,
      'idempotency-key': `till-${Date.now()}-${Math.random()}`,
    },
    body: JSON.stringify({ code, amount: { minor, currency: 'JPY' }, memo }),
  });
  return { status: r.status, body: await r.json() };
}

test('top up with step-up, pay at a store with the code on screen, find the payment by filter, dispute it and follow the timeline', async () => {
  const email = await confirmedCustomer(portal, 'sora', PASSWORD);
  const { context, page, problems } = await newPage(browser);
  await signInWithMailedCode(portal, page, email, PASSWORD);
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  await page.getByRole('link', { name: /^Wallet/ }).click();
  await page.getByRole('heading', { level: 1, name: 'Wallet' }).waitFor();
  await page.getByText('¥0').waitFor();

  // A card needs two-step verification (never the password alone): the page leads there and,
  // once it is on, straight back to the card form.
  await page.getByRole('link', { name: 'Cards' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your cards' }).waitFor();
  assert.equal(await page.getByLabel('Card number').count(), 0);
  await turnOnTwoStepForMoney(page, PASSWORD);
  await page.getByRole('heading', { level: 1, name: 'Your cards' }).waitFor();
  assert.match(page.url(), /\/wallet\/cards$/);
  await page.getByLabel('Card number').fill(APPROVED_CARD);
  await page.getByLabel('Expiry month (MM)').fill('12');
  await page.getByLabel('Expiry year (YYYY)').fill(String(new Date().getFullYear() + 3));
  await page.getByLabel('Security code').fill('123');
  await page.getByRole('button', { name: 'Add card' }).click();
  await page.getByRole('status').filter({ hasText: 'Card added.' }).waitFor();
  await page.getByText(/ending 4242/).waitFor();

  // A top-up over the limit is refused by the page; one within it goes through.
  await page.goto(`${portal.baseUrl}/wallet/top-up`);
  await page.getByRole('heading', { level: 1, name: 'Top up your wallet' }).waitFor();
  await page.getByLabel('Amount in yen').fill('9,999,999');
  await page.getByRole('button', { name: 'Top up' }).click();
  await page.getByRole('alert').filter({ hasText: 'limit' }).waitFor();
  await page.getByLabel('Amount in yen').fill('5,000');
  await page.getByRole('button', { name: 'Top up' }).click();
  await page.getByRole('status').filter({ hasText: 'Topped up ¥5,000. Your balance is now ¥5,000.' }).waitFor();

  // The code on screen, as a till scans it.
  await page.goto(`${portal.baseUrl}/wallet/pay`);
  const qr = page.getByRole('img', { name: 'Payment code as a QR code' });
  await qr.waitFor();
  const png = PNG.sync.read(await qr.screenshot());
  const scanned = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
  const digits = (await page.getByRole('paragraph').filter({ hasText: /^Payment code:/ }).textContent()).replace(/\D/g, '');
  assert.equal(scanned, digits);
  const paid = await redeem(digits, 1280, MEMO);
  assert.equal(paid.status, 201, JSON.stringify(paid.body));
  // Used once: the same code again is refused.
  const again = await redeem(digits, 1280, MEMO);
  assert.equal(again.status, 422, JSON.stringify(again.body));
  assert.equal(again.body.error.code, 'payment_code_invalid');

  // Found by filter.
  await page.goto(`${portal.baseUrl}/wallet/history`);
  await page.getByRole('heading', { level: 1, name: 'History' }).waitFor();
  await page.getByLabel('Type').selectOption({ label: 'Payment' });
  await page.getByLabel('Search stores and memos').fill('café');
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await page.getByRole('status').filter({ hasText: '1 shown' }).waitFor();
  const row = page.getByRole('link', { name: /Kissa Midori 喫茶みどり.*-¥1,280/ });
  await row.click();

  // Disputed, with the memo and the customer's words exactly as typed.
  await page.getByRole('heading', { level: 1, name: 'Transaction' }).waitFor();
  assert.equal(await page.getByRole('definition').filter({ hasText: 'Bento' }).textContent(), MEMO);
  await page.getByRole('radio', { name: "I don't recognise this" }).check();
  await page.getByLabel('What happened?').fill(DETAILS);
  const receipt = new PNG({ width: 300, height: 500 });
  receipt.data.fill(200);
  await page.getByLabel('Screenshots (optional)').setInputFiles({
    name: 'receipt 領収書.png',
    mimeType: 'image/png',
    buffer: PNG.sync.write(receipt),
  });
  await page.getByRole('progressbar', { name: 'Uploaded receipt 領収書.png' }).waitFor();
  await page.getByText(/^300 × 500 px · \d+ KB$/).waitFor();
  await page.getByRole('button', { name: 'Send dispute' }).click();
  await page.getByRole('heading', { level: 1, name: 'Dispute' }).waitFor();
  const timeline = page.getByRole('region', { name: 'Progress' });
  await timeline.getByText('Submitted').waitFor();
  assert.equal(await page.getByRole('definition').filter({ hasText: 'at home' }).textContent(), DETAILS);
  const attached = page.getByRole('region', { name: 'Screenshots', exact: true });
  await attached.getByRole('link', { name: 'Open receipt 領収書.png (new tab)' }).waitFor();
  await attached.getByText('300 × 500 px', { exact: false }).waitFor();
  await portal.mailbox.waitFor({ to: email, subjectIncludes: 'dispute' });

  // The history marks it, and the list of disputes has it.
  await page.goto(`${portal.baseUrl}/wallet/disputes`);
  await page.getByRole('link', { name: /Kissa Midori 喫茶みどり.*Submitted/ }).waitFor();

  assert.deepEqual(problems, []);
  await context.close();
});
