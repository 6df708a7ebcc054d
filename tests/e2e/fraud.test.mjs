// Reporting fraud end to end (docs/threat-model.md#t11, #t13, #t15): a customer with two payments
// they did not make reports both from the history page, with text as typed (lines, emoji, HTML) and
// two screenshots whose uploads each show their own progress; the wallet is frozen at once, yet the
// history stays readable and the evidence bundle downloads with the very screenshots the page
// lists. A GIF named .png gets its own clear error. Real Chromium, the real server, a real SMTP
// server; elements found by role and accessible name only.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';

import {
  addCardAndTopUp,
  axe,
  codeOnScreen,
  confirmedCustomer,
  createMerchant,
  eventually,
  newPage,
  noisePng,
  redeem,
  signInWithMailedCode,
} from './customers.mjs';
import { launchBrowser, startPortal } from './harness.mjs';

const PASSWORD = 'violet kettle harbour sprocket';
const STORE = 'Night Owl Mart 夜ふくろう';
const DESCRIPTION =
  'Two payments I never made.\nI was asleep 😴 at 3 a.m. and my phone was beside me.\n\n' +
  '<img src=x onerror=alert(1)> & "quotes" — 知らない店です';
// A GIF: the server decodes what it is given, whatever the name says.
const GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

let portal;
let browser;
let merchantKey;

before(async () => {
  portal = await startPortal();
  browser = await launchBrowser();
  merchantKey = await createMerchant(portal, STORE);
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

/** Name -> SHA-256 of every file in a ZIP (Python's zipfile: no new dependency). */
function zipHashes(file) {
  const out = execFileSync('python3', [
    '-c',
    'import hashlib, json, sys, zipfile\n' +
      'z = zipfile.ZipFile(sys.argv[1])\n' +
      'assert z.testzip() is None\n' +
      'print(json.dumps({n: hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist()}))',
    file,
  ]);
  return JSON.parse(out);
}

/** Waits until the upload's progress bar (named after the file) is full and says so. */
async function uploadCompletes(page, name) {
  const bar = page.getByRole('progressbar', { name: new RegExp(name.replace('.', '\\.')) });
  await bar.waitFor();
  await eventually(`${name} uploaded`, () =>
    bar.evaluate((el) => el.max > 1 && el.value === el.max && /^Uploaded /.test(el.labels[0]?.textContent)));
}

test('report two payments as fraud with screenshots: the wallet freezes, the history stays, the bundle holds the evidence', async () => {
  const email = await confirmedCustomer(portal, 'hikari', PASSWORD);
  const { context, page, problems } = await newPage(browser);
  await signInWithMailedCode(portal, page, email, PASSWORD);
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();

  // Money in (a card after step-up, a top-up), then two payments at a store.
  await addCardAndTopUp(portal, page, PASSWORD, '5,000');
  const first = await codeOnScreen(portal, page);
  await redeem(portal, merchantKey, first, 1280);
  // A fresh page load fetches a fresh code (and voids the one before).
  const second = await codeOnScreen(portal, page);
  assert.notEqual(second, first);
  await redeem(portal, merchantKey, second, 640);

  // A transaction's page offers a report with that transaction ticked.
  await page.goto(`${portal.baseUrl}/wallet/history`);
  await page.getByRole('link', { name: new RegExp(`${STORE}.*-¥640`) }).click();
  await page.getByRole('heading', { level: 1, name: 'Transaction' }).waitFor();
  await page.getByRole('link', { name: 'Report fraud with this transaction' }).click();
  await page.getByRole('heading', { level: 1, name: 'Report fraud' }).waitFor();
  await eventually('the transaction ticked', () =>
    page.getByRole('checkbox', { name: new RegExp(`${STORE}.*-¥640`) }).isChecked());

  // From the history page to the report form, where nothing is ticked yet.
  await page.goto(`${portal.baseUrl}/wallet/history`);
  await page.getByRole('heading', { level: 1, name: 'History' }).waitFor();
  await page.getByRole('link', { name: 'Report fraud', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Report fraud' }).waitFor();

  // Nothing chosen, nothing said: both refused on the page, focus on the first.
  await page.getByRole('button', { name: 'Send report and freeze my wallet' }).click();
  await page.getByRole('alert').filter({ hasText: 'Choose at least one transaction.' }).waitFor();
  const pay1280 = page.getByRole('checkbox', { name: new RegExp(`${STORE}.*-¥1,280`) });
  const pay640 = page.getByRole('checkbox', { name: new RegExp(`${STORE}.*-¥640`) });
  await eventually('focus on the first transaction', () =>
    page.evaluate(() => document.activeElement?.type === 'checkbox'));
  await pay1280.check();
  await pay640.check();
  await page.getByRole('status').filter({ hasText: '2 chosen' }).waitFor();
  await page.getByLabel('What happened').fill(DESCRIPTION);
  await page.getByText(`${8000 - [...DESCRIPTION].length} characters left`).waitFor();

  // Two screenshots, each with its own progress bar to the end, then its name, size and thumbnail.
  const shots = [
    { name: 'screenshot-1.png', mimeType: 'image/png', buffer: noisePng(640, 480) },
    { name: 'screenshot-2.png', mimeType: 'image/png', buffer: noisePng(320, 200) },
  ];
  await page.getByLabel('Screenshots (optional)').setInputFiles(shots);
  for (const { name } of shots) await uploadCompletes(page, name);
  await page.getByRole('link', { name: 'Open screenshot-1.png (new tab)' }).waitFor();
  await page.getByText(/^640 × 480 px · [\d.,]+ [KM]B$/).waitFor();
  await page.getByText(/^320 × 200 px · [\d.,]+ [KM]B$/).waitFor();
  await page.getByRole('button', { name: 'Remove screenshot-2.png' }).waitFor();

  // What sending does is said before the button.
  const warning = page.getByRole('region', { name: 'When you send this report' });
  assert.match(await warning.textContent(), /frozen at once.*top-ups, payment codes or store payments/s);
  assert.match(await warning.textContent(), /history stays readable/);
  assert.deepEqual(await axe(page), [], 'the filled-in report form');

  await page.getByRole('button', { name: 'Send report and freeze my wallet' }).click();
  await page.getByRole('heading', { level: 1, name: 'Fraud report' }).waitFor();
  const number = (await page.getByText(/^Report F-/).textContent()).replace('Report ', '');
  assert.match(number, /^F-[0-9A-Z-]+$/);

  // Frozen, why, and what next; the text exactly as typed; both payments; both screenshots.
  const banner = page.getByRole('region', { name: 'Your wallet is frozen' });
  await banner.waitFor();
  assert.equal(await banner.getByRole('link').textContent(), number);
  assert.match(await banner.textContent(), /Only support can lift the freeze/);
  assert.equal(await page.getByRole('definition').filter({ hasText: 'asleep' }).textContent(), DESCRIPTION);
  const reported = page.getByRole('region', { name: 'Transactions reported' });
  await reported.getByRole('link', { name: /-¥1,280/ }).waitFor();
  await reported.getByRole('link', { name: /-¥640/ }).waitFor();
  const shotsRegion = page.getByRole('region', { name: 'Screenshots', exact: true });
  await shotsRegion.getByRole('link', { name: 'Open screenshot-1.png (new tab)' }).waitFor();
  await shotsRegion.getByRole('link', { name: 'Open screenshot-2.png (new tab)' }).waitFor();
  const shownHashes = await shotsRegion.getByRole('definition').allTextContents();
  assert.equal(shownHashes.filter((h) => /^[0-9a-f]{64}$/.test(h)).length, 4, String(shownHashes));
  const sealRegion = page.getByRole('region', { name: 'Sealed evidence' });
  const manifestSha = await sealRegion.getByRole('definition').first().textContent();
  assert.match(manifestSha, /^[0-9a-f]{64}$/);
  await page.getByRole('region', { name: 'Progress' }).getByText('Report sent and sealed').waitFor();
  assert.deepEqual(await axe(page), [], 'the report page');

  // The evidence bundle: the sealed files, and the screenshots the page lists.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download evidence (ZIP)' }).click(),
  ]);
  const files = zipHashes(await download.path());
  for (const name of ['manifest.json', 'history.csv', 'history.json', 'summary.txt']) {
    assert.ok(name in files, `${name} in ${Object.keys(files)}`);
  }
  assert.equal(files['manifest.json'], manifestSha);
  const inZip = Object.entries(files).filter(([name]) => name.startsWith('screenshots/'));
  assert.equal(inZip.length, 2, JSON.stringify(files));
  for (const [name, sha] of inZip) assert.ok(shownHashes.includes(sha), `${name} ${sha} not shown`);

  // A GIF named .png is refused by name, with a reason; a note joins the timeline.
  await page.getByLabel('Screenshots (optional)').setInputFiles({ name: 'fake.png', mimeType: 'image/png', buffer: GIF });
  await page.getByRole('alert').filter({ hasText: 'fake.png: This file is not a PNG, JPEG or WebP image.' }).waitFor();
  await page.getByRole('button', { name: 'Remove fake.png' }).click();
  await eventually('the refused file gone', async () => (await page.getByRole('button', { name: 'Remove fake.png' }).count()) === 0);
  await page.getByLabel('Note (optional)').fill('Police report filed:\n№ 2026-1121 👮');
  await page.getByRole('button', { name: 'Add to report' }).click();
  await page.getByRole('status').filter({ hasText: 'Added to your report.' }).waitFor();
  const timeline = page.getByRole('region', { name: 'Progress' });
  await timeline.getByText('Evidence added').waitFor();
  assert.equal(await timeline.getByText('Police report filed').textContent(), 'Police report filed:\n№ 2026-1121 👮');

  // The history stays readable while frozen, and says why nothing can be paid.
  await page.goto(`${portal.baseUrl}/wallet/history`);
  await page.getByRole('region', { name: 'Your wallet is frozen' }).waitFor();
  await page.getByRole('link', { name: new RegExp(`${STORE}.*-¥1,280`) }).waitFor();
  await page.getByRole('link', { name: new RegExp(`${STORE}.*-¥640`) }).waitFor();

  // Paying and topping up are not offered, and the server refuses them anyway.
  await page.goto(`${portal.baseUrl}/wallet/pay`);
  await page.getByRole('region', { name: 'Your wallet is frozen' }).waitFor();
  assert.equal(await page.getByRole('img', { name: 'Payment code as a QR code' }).count(), 0);
  assert.equal(await page.getByRole('paragraph').filter({ hasText: /^Payment code:/ }).count(), 0);
  const refused = await page.evaluate(async () => {
    const r = await fetch('/api/payment-codes', { method: 'POST' });
    return { status: r.status, code: (await r.json()).error?.code };
  });
  assert.deepEqual(refused, { status: 403, code: 'wallet_frozen' });
  await page.goto(`${portal.baseUrl}/wallet/top-up`);
  await page.getByRole('region', { name: 'Your wallet is frozen' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Top up' }).count(), 0);

  // The list of reports has it.
  await page.goto(`${portal.baseUrl}/wallet/fraud-reports`);
  await page.getByRole('link', { name: new RegExp(`Report ${number}.*Submitted`) }).click();
  await page.getByRole('heading', { level: 1, name: 'Fraud report' }).waitFor();

  // In Japanese too, the report page passes axe.
  await page.getByLabel('Language').selectOption('ja');
  await page.getByRole('heading', { level: 1, name: '不正利用の報告' }).waitFor();
  assert.deepEqual(await axe(page), [], 'the report page in Japanese');

  assert.deepEqual(problems, []);
  await context.close();
});

test('the picker refuses an 11th file and one over 10 MB before sending them, and leaving the page deletes what was not sent', async () => {
  const email = await confirmedCustomer(portal, 'minato', PASSWORD);
  const { context, page, problems } = await newPage(browser);
  await signInWithMailedCode(portal, page, email, PASSWORD);
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  // The account menu leads there too.
  await page.getByRole('link', { name: 'Report fraud' }).click();
  await page.getByRole('heading', { level: 1, name: 'Report fraud' }).waitFor();
  // No history: nothing to tick, and the page says so.
  await page.getByText('Nothing yet.').waitFor();

  const small = noisePng(8, 8);
  const eleven = Array.from({ length: 11 }, (_, i) => ({ name: `shot-${i + 1}.png`, mimeType: 'image/png', buffer: small }));
  await page.getByLabel('Screenshots (optional)').setInputFiles(eleven);
  for (let i = 1; i <= 10; i++) await uploadCompletes(page, `shot-${i}.png`);
  await page.getByRole('alert').filter({ hasText: 'shot-11.png: At most 10 screenshots at a time.' }).waitFor();
  await page.getByRole('button', { name: 'Remove shot-11.png' }).click();
  await page.getByRole('button', { name: 'Remove shot-10.png' }).click();
  await eventually('shot-10.png removed', async () => (await page.getByRole('progressbar', { name: /shot-10\.png/ }).count()) === 0);
  const huge = Buffer.alloc(10 * 1024 * 1024 + 1);
  await page.getByLabel('Screenshots (optional)').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: huge });
  await page.getByRole('alert').filter({ hasText: 'huge.png: The file is larger than 10 MB.' }).waitFor();
  assert.equal(await page.getByRole('progressbar', { name: /huge\.png/ }).count(), 0);

  // Leaving within the app deletes the nine waiting uploads: all ten places are free again.
  await page.getByRole('link', { name: 'Back to your wallet' }).click();
  await page.getByRole('heading', { level: 1, name: 'Wallet' }).waitFor();
  // (Ten uploads in a row succeed only once all nine are gone; a try that falls short removes
  // its own uploads before the next.)
  await eventually('the nine deleted', () =>
    page.evaluate(async (bytes) => {
      const ids = [];
      for (let i = 0; i < 10; i++) {
        const r = await fetch(`/api/evidence?name=again-${i}.png`, { method: 'POST', body: new Uint8Array(bytes) });
        if (r.status !== 201) break;
        ids.push((await r.json()).id);
      }
      const all = ids.length === 10;
      for (const id of ids) await fetch(`/api/evidence/${id}`, { method: 'DELETE' });
      return all;
    }, [...small]));
  assert.deepEqual(problems, []);
  await context.close();
});
