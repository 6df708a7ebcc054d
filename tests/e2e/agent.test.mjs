// The support console end to end (docs/threat-model.md#t12, #t14, #t15): an agent made by the admin
// command chooses a password from the invitation mail, is kept from customer data until two-step
// verification is on, finds the newest fraud report by filter, sees its screenshots inline, asks
// the customer for more; the customer answers on the report page; the agent refunds and lifts the
// freeze, and the customer's timeline shows both. An admin reads the audit log and its CSV; a
// customer cannot open the console. A customer answers a question on a dispute's page, from the
// link in the mail, with a screenshot. A refund above the four-eyes amount waits, the agent who
// asked cannot approve it (the page says why), a second agent does. A spike of new cases in the
// current hour is marked on the chart and said in words. Real Chromium, the real server, a real
// SMTP server; elements found by role and accessible name only.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  addCardAndTopUp,
  axe,
  codeOnScreen,
  confirmedCustomer,
  createMerchant,
  eventually,
  invitedAgent,
  newPage,
  noisePng,
  redeem,
  signInWithMailedCode,
  turnOnAgentTwoStep,
} from './customers.mjs';
import { launchBrowser, startPortal } from './harness.mjs';

const PASSWORD = 'violet kettle harbour sprocket';
const AGENT_PASSWORD = 'copper lantern meadow 62 quill';
const STORE = 'Midnight Kiosk 真夜中';
const QUESTION = 'Did anyone else have your phone that night?\nPlease say where you were. 🙏';
const ANSWER = 'Nobody. I was at home\nin 大阪 — <b>not</b> at that store.';

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

/** A signed-in customer with a card and `yen` topped up. */
async function customerWithMoney(page, name, yen) {
  const email = await confirmedCustomer(portal, name, PASSWORD);
  await signInWithMailedCode(portal, page, email, PASSWORD);
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  await addCardAndTopUp(portal, page, PASSWORD, yen);
  return email;
}

/** Disputes the customer's payment of `minor` through the API, as the dispute page does. */
async function dispute(page, minor, details) {
  return page.evaluate(async ({ minor, details }) => {
    const history = await (await fetch('/api/transactions?kind=payment')).json();
    const tx = history.items.find((t) => t.amount.minor === -minor);
    const r = await fetch(`/api/transactions/${tx.id}/disputes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'wrong_amount', details }),
    });
    return { status: r.status, id: (await r.json()).id };
  }, { minor, details });
}

/** A customer who paid twice at the store and reported both payments with a screenshot. */
async function customerWithReport(page) {
  const email = await customerWithMoney(page, 'yui', '5,000');
  await redeem(portal, merchantKey, await codeOnScreen(portal, page), 1500);
  await redeem(portal, merchantKey, await codeOnScreen(portal, page), 700);
  // A dispute of another payment, so that the queue holds more than the report.
  await redeem(portal, merchantKey, await codeOnScreen(portal, page), 300);
  assert.equal((await dispute(page, 300, 'Charged 300, the receipt says 30.')).status, 201);

  await page.goto(`${portal.baseUrl}/wallet/history`);
  await page.getByRole('link', { name: 'Report fraud', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Report fraud' }).waitFor();
  await page.getByRole('checkbox', { name: new RegExp(`${STORE}.*-¥1,500`) }).check();
  await page.getByRole('checkbox', { name: new RegExp(`${STORE}.*-¥700`) }).check();
  await page.getByLabel('What happened').fill('Two payments at a kiosk I have never been to.');
  await page.getByLabel('Screenshots (optional)').setInputFiles({
    name: 'kiosk-receipt.png',
    mimeType: 'image/png',
    buffer: noisePng(300, 200),
  });
  const bar = page.getByRole('progressbar', { name: /kiosk-receipt\.png/ });
  await eventually('the screenshot uploaded', () => bar.evaluate((el) => el.max > 1 && el.value === el.max));
  await page.getByRole('button', { name: 'Send report and freeze my wallet' }).click();
  await page.getByRole('heading', { level: 1, name: 'Fraud report' }).waitFor();
  const number = (await page.getByText(/^Report F-/).textContent()).replace('Report ', '');
  return { email, number };
}

test('an agent with two-step verification works a fraud report: filter, screenshots, a question, the answer, a refund and the freeze lifted', async () => {
  const customer = await newPage(browser);
  const requested = [];
  customer.page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  const { email: customerEmail, number } = await customerWithReport(customer.page);
  // A customer's pages never download the console's code.
  assert.ok(requested.includes('/portal-account_bg.wasm'), requested.join(' '));
  assert.deepEqual(requested.filter((p) => p.includes('portal-agent')), []);

  // A customer cannot open the console, by the page or by the API.
  await customer.page.goto(`${portal.baseUrl}/agent`);
  await customer.page.getByRole('alert').filter({ hasText: 'This page is for support staff.' }).waitFor();
  assert.equal(await customer.page.getByRole('link', { name: 'Support queue' }).count(), 0);
  const refused = await customer.page.evaluate(async () => (await fetch('/api/agent/cases')).status);
  assert.equal(refused, 403);

  // A new agent: invitation, password, then nothing about customers until 2FA is on.
  const agent = await newPage(browser);
  const page = agent.page;
  await invitedAgent(portal, page, AGENT_PASSWORD, 'sato');
  await page.getByRole('link', { name: 'Support queue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Support queue' }).waitFor();
  await page.getByText('Turn on two-step verification before you see any customer\'s data.').waitFor();
  assert.equal(await page.getByRole('table').count(), 0);
  const blocked = await page.evaluate(async () => {
    const r = await fetch('/api/agent/cases');
    return { status: r.status, code: (await r.json()).error?.code };
  });
  assert.deepEqual(blocked, { status: 403, code: 'agent_two_step_required' });
  // The queue is another bundle, loaded anew; Back still leads to the page the link was on.
  await page.goBack();
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/account');
  await page.goForward();
  await page.getByRole('heading', { level: 1, name: 'Support queue' }).waitFor();
  await turnOnAgentTwoStep(page, AGENT_PASSWORD);

  // The queue: the newest fraud report by filter, with the hourly chart above.
  await page.goto(`${portal.baseUrl}/agent`);
  await page.getByRole('heading', { level: 1, name: 'Support queue' }).waitFor();
  await page.getByRole('img', { name: /New disputes and fraud reports per hour over the last 7 days/ }).waitFor();
  // Both cases at first, oldest first: the dispute, then the report.
  await page.getByRole('status').filter({ hasText: '2 cases shown.' }).waitFor();
  const ids = await page.getByRole('table').getByRole('rowheader').allTextContents();
  assert.match(ids[0], /^D-/);
  assert.equal(ids[1], number);
  await page.getByLabel('Kind', { exact: true }).selectOption({ label: 'Fraud report' });
  await page.getByLabel('Sort', { exact: true }).selectOption({ label: 'Newest first' });
  await page.getByRole('button', { name: 'Show cases' }).click();
  await page.getByRole('status').filter({ hasText: '1 case shown.' }).waitFor();
  const row = page.getByRole('row', { name: new RegExp(number) });
  assert.deepEqual(await page.getByRole('table').getByRole('rowheader').allTextContents(), [number]);
  assert.match(await row.textContent(), new RegExp(`${customerEmail}.*¥2,200`));
  await row.getByRole('button', { name: `Take ${number}` }).click();
  await row.getByRole('button', { name: `Release ${number}` }).waitFor();
  assert.deepEqual(await axe(page), [], 'the queue');
  await row.getByRole('link', { name: number }).click();
  await page.getByRole('heading', { level: 1, name: 'Case' }).waitFor();
  await page.getByText(`Case ${number}`).waitFor();
  // Taken from the queue: this agent's to release.
  await page.getByRole('button', { name: 'Release', exact: true }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Take', exact: true }).count(), 0);

  // The screenshot inline: the image loads from the agent's address, under the page's CSP.
  const shots = page.getByRole('region', { name: 'Screenshots' });
  const img = shots.getByRole('img', { name: 'Open kiosk-receipt.png (new tab)' });
  await eventually('the screenshot shown', () => img.evaluate((el) => el.complete && el.naturalWidth === 300));
  const src = await img.getAttribute('src');
  assert.match(src, /^\/api\/agent\/cases\//);

  assert.deepEqual(await axe(page), [], 'the case');

  // Ask the customer; the customer is mailed.
  await page.getByLabel('Question for the customer').fill(QUESTION);
  await page.getByRole('button', { name: 'Ask the customer' }).click();
  await page.getByRole('status').filter({ hasText: 'Asked.' }).waitFor();
  const asked = await portal.mailbox.waitFor({ to: customerEmail, subjectIncludes: 'we need more information' });
  assert.ok(asked.text.replace(/\r\n/g, '\n').includes(QUESTION), asked.text);

  // The customer sees the question and answers on the report page.
  await customer.page.goto(`${portal.baseUrl}/wallet/fraud-reports`);
  await customer.page.getByRole('link', { name: new RegExp(`Report ${number}`) }).click();
  const progress = customer.page.getByRole('region', { name: 'Progress' });
  assert.equal(await progress.getByText('Did anyone else').textContent(), QUESTION);
  await customer.page.getByLabel('Note (optional)').fill(ANSWER);
  await customer.page.getByRole('button', { name: 'Add to report' }).click();
  await customer.page.getByRole('status').filter({ hasText: 'Added to your report.' }).waitFor();

  // The agent sees the answer exactly as typed, refunds and lifts the freeze.
  await page.reload();
  const seen = page.getByRole('region', { name: 'What the customer sees' });
  assert.equal(await seen.getByText('Nobody.').textContent(), ANSWER);
  assert.equal(await page.getByLabel('Refund amount (yen)').inputValue(), '2200');
  await page.getByLabel('Refund amount (yen)').fill('0');
  await page.getByRole('button', { name: 'Refund', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'more than 0 and at most the amount in question' }).waitFor();
  await page.getByLabel('Refund amount (yen)').fill('2,200');
  await page.getByRole('button', { name: 'Refund', exact: true }).click();
  await page.getByRole('group', { name: `Refund ¥2,200 to ${customerEmail}?` }).waitFor();
  await page.getByRole('button', { name: 'Yes, refund' }).click();
  await page.getByRole('status').filter({ hasText: '¥2,200 refunded on' }).waitFor();
  await page.getByText('This case is closed.').waitFor();
  await page.getByRole('button', { name: 'Lift the freeze' }).click();
  await page.getByRole('button', { name: 'Yes, lift the freeze' }).click();
  await page.getByRole('status').filter({ hasText: 'The freeze is lifted.' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Lift the freeze' }).count(), 0);
  await portal.mailbox.waitFor({ to: customerEmail, subjectIncludes: 'refunded' });
  const lifted = await portal.mailbox.waitFor({ to: customerEmail, subjectIncludes: 'no longer frozen' });
  assert.ok(lifted.links.some((l) => l.endsWith(`/wallet/fraud-reports/${number}`)), lifted.text);

  // The customer's timeline shows both; the money is back and the wallet is usable.
  await customer.page.reload();
  const after = customer.page.getByRole('region', { name: 'Progress' });
  await after.getByText('Freeze lifted').waitFor();
  await after.getByText('Status: Refunded').first().waitFor();
  assert.equal(await customer.page.getByRole('region', { name: 'Your wallet is frozen' }).count(), 0);
  await customer.page.goto(`${portal.baseUrl}/wallet`);
  // 5,000 topped up, 2,500 paid, 2,200 refunded.
  await eventually('the balance with the refund', async () =>
    (await customer.page.getByRole('definition').allTextContents()).includes('¥4,700'));

  // The audit log is for admins only.
  await page.goto(`${portal.baseUrl}/agent/audit`);
  await page.getByRole('alert').filter({ hasText: 'This page is for support staff.' }).waitFor();
  assert.equal(await page.evaluate(async () => (await fetch('/api/admin/audit-log')).status), 403);

  assert.deepEqual(customer.problems, []);
  assert.deepEqual(agent.problems, []);
  await customer.context.close();
  await agent.context.close();
});

test('an admin reads the audit log on the page and downloads it as CSV', async () => {
  const { page, context, problems } = await newPage(browser);
  const email = await invitedAgent(portal, page, AGENT_PASSWORD, 'kobayashi', ['--admin']);
  await page.getByRole('link', { name: 'Support queue' }).click();
  await turnOnAgentTwoStep(page, AGENT_PASSWORD);
  await page.goto(`${portal.baseUrl}/agent`);
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
  const log = page.getByRole('table', { name: 'Audit log' });
  // This admin's own look at the queue and its counts are on record already.
  await log.getByRole('row').filter({ hasText: email }).filter({ hasText: 'list_cases' }).first().waitFor();
  await log.getByRole('row').filter({ hasText: email }).filter({ hasText: 'view_stats' }).first().waitFor();
  assert.deepEqual(await axe(page), [], 'the audit log');
  const csv = await page.getByRole('link', { name: 'Download all as CSV' }).getAttribute('href');
  const body = await page.evaluate(async (href) => (await fetch(href)).text(), csv);
  assert.match(body.split('\n')[0], /^\uFEFF?seq,at,actor_id,actor_email,action,/);
  const mine = body.split('\n').filter((line) => line.includes(email));
  for (const action of ['list_cases', 'view_stats', 'view_audit_log']) {
    assert.ok(mine.some((line) => line.includes(`,${action},`)), `${action} in ${mine.join('\n')}`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('a customer answers support\'s question on the dispute\'s page, with a screenshot, and the agent sees the answer', async () => {
  const customer = await newPage(browser);
  const email = await customerWithMoney(customer.page, 'kaito', '2,000');
  await redeem(portal, merchantKey, await codeOnScreen(portal, customer.page), 480);
  const { status, id } = await dispute(customer.page, 480, 'Charged ¥480 for a ¥48 pack of gum.');
  assert.equal(status, 201);

  const agent = await newPage(browser);
  await invitedAgent(portal, agent.page, AGENT_PASSWORD, 'kudo');
  await agent.page.getByRole('link', { name: 'Support queue' }).click();
  await turnOnAgentTwoStep(agent.page, AGENT_PASSWORD);
  await agent.page.goto(`${portal.baseUrl}/agent/cases/${encodeURIComponent(id)}`);
  await agent.page.getByText(`Case ${id}`).waitFor();
  const question = 'Do you have the receipt?\nA photo of it is enough. 📷';
  await agent.page.getByLabel('Question for the customer').fill(question);
  await agent.page.getByRole('button', { name: 'Ask the customer' }).click();
  await agent.page.getByRole('status').filter({ hasText: 'Asked.' }).waitFor();

  // The mail's link opens the dispute, which takes the answer.
  const asked = await portal.mailbox.waitFor({ to: email, subjectIncludes: 'we need more information' });
  const link = asked.links.find((l) => l.includes('/wallet/disputes/'));
  assert.ok(link, asked.text);
  const { page } = customer;
  await page.goto(link);
  await page.getByRole('heading', { level: 1, name: 'Dispute' }).waitFor();
  const progress = page.getByRole('region', { name: 'Progress' });
  assert.equal(await progress.getByText('Do you have the receipt?').textContent(), question);
  const form = page.getByRole('region', { name: 'Answer support' });
  await form.getByLabel('Screenshots (optional)').setInputFiles({
    name: 'gum-receipt.png',
    mimeType: 'image/png',
    buffer: noisePng(120, 80),
  });
  const bar = form.getByRole('progressbar', { name: /gum-receipt\.png/ });
  await eventually('the screenshot uploaded', () => bar.evaluate((el) => el.max > 1 && el.value === el.max));
  const answer = 'Here it is:\n¥48 on the receipt — <b>not</b> ¥480. 領収書';
  await form.getByLabel('Your answer').fill(answer);
  await form.getByRole('button', { name: 'Send answer' }).click();
  await form.getByRole('status').filter({ hasText: 'Answer sent. Support reviews your dispute again.' }).waitFor();
  await progress.getByText('You answered').waitFor();
  assert.equal(await progress.getByText('Here it is:').textContent(), answer);
  await progress.getByText('gum-receipt.png').waitFor();
  // One answer per question: the form is gone until support asks again.
  assert.equal(await page.getByRole('button', { name: 'Send answer' }).count(), 0);
  assert.deepEqual(await axe(page), [], 'the dispute with its answer');

  // The agent sees the answer exactly as typed, and its screenshot.
  await agent.page.reload();
  const seen = agent.page.getByRole('region', { name: 'What the customer sees' });
  assert.equal(await seen.getByText('Here it is:').textContent(), answer);
  const img = agent.page.getByRole('region', { name: 'Screenshots' })
    .getByRole('img', { name: 'Open gum-receipt.png (new tab)' });
  await eventually('the screenshot shown', () => img.evaluate((el) => el.complete && el.naturalWidth === 120));

  for (const p of [customer, agent]) {
    assert.deepEqual(p.problems, []);
    await p.context.close();
  }
});

test('a refund above the four-eyes amount waits for a second agent; the agent who asked cannot approve it', async () => {
  const customer = await newPage(browser);
  await customerWithMoney(customer.page, 'ren', '20,000');
  await redeem(portal, merchantKey, await codeOnScreen(portal, customer.page), 12000);
  const details = 'The till said ¥1,200.\nI was charged ¥12,000 — ten times. العربية';
  const { status, id } = await dispute(customer.page, 12000, details);
  assert.equal(status, 201);
  const balance = async (yen) => {
    await customer.page.goto(`${portal.baseUrl}/wallet`);
    await eventually(`a balance of ${yen}`, async () =>
      (await customer.page.getByRole('definition').allTextContents()).includes(yen));
  };

  // The first agent asks for the whole amount: above ¥10,000, so it waits.
  const first = await newPage(browser);
  await invitedAgent(portal, first.page, AGENT_PASSWORD, 'ito');
  await first.page.getByRole('link', { name: 'Support queue' }).click();
  await turnOnAgentTwoStep(first.page, AGENT_PASSWORD);
  await first.page.goto(`${portal.baseUrl}/agent/cases/${encodeURIComponent(id)}`);
  await first.page.getByText(`Case ${id}`).waitFor();
  await first.page.getByRole('definition').filter({ hasText: 'The amount is wrong' }).waitFor();
  assert.equal(await first.page.getByRole('definition').filter({ hasText: 'The till said' }).textContent(), details);
  await first.page.getByText('At most ¥12,000. Above ¥10,000 a second agent approves.').waitFor();
  assert.equal(await first.page.getByLabel('Refund amount (yen)').inputValue(), '12000');
  await first.page.getByRole('button', { name: 'Refund', exact: true }).click();
  await first.page.getByRole('button', { name: 'Yes, refund' }).click();
  await first.page.getByRole('status')
    .filter({ hasText: /^Refund of ¥12,000 asked for by ito\..*, waiting for a second agent's approval\.$/ }).waitFor();
  await first.page.getByRole('button', { name: 'Approve the refund of ¥12,000' }).click();
  await first.page.getByRole('alert').filter({ hasText: 'Another agent must approve a refund you asked for.' }).waitFor();
  await balance('¥8,000');

  // A second agent approves it: posted once, the case closed.
  const second = await newPage(browser);
  await invitedAgent(portal, second.page, AGENT_PASSWORD, 'mori');
  await second.page.getByRole('link', { name: 'Support queue' }).click();
  await turnOnAgentTwoStep(second.page, AGENT_PASSWORD);
  await second.page.goto(`${portal.baseUrl}/agent/cases/${encodeURIComponent(id)}`);
  await second.page.getByRole('button', { name: 'Approve the refund of ¥12,000' }).click();
  await second.page.getByRole('status').filter({ hasText: '¥12,000 refunded on' }).waitFor();
  await second.page.getByText('This case is closed.').waitFor();
  await balance('¥20,000');
  await customer.page.goto(`${portal.baseUrl}/wallet/disputes/${encodeURIComponent(id)}`);
  await customer.page.getByRole('heading', { level: 1, name: 'Dispute' }).waitFor();
  await customer.page.getByText('Refunded', { exact: true }).first().waitFor();

  for (const p of [customer, first, second]) {
    assert.deepEqual(p.problems, []);
    await p.context.close();
  }
});

test('the chart marks the current hour when new cases are well above the usual level, and says so', async () => {
  const { page, context, problems } = await newPage(browser);
  await invitedAgent(portal, page, AGENT_PASSWORD, 'abe');
  await page.getByRole('link', { name: 'Support queue' }).click();
  await turnOnAgentTwoStep(page, AGENT_PASSWORD);
  const chart = page.getByRole('img', { name: /New disputes and fraud reports per hour over the last 7 days/ });
  await page.goto(`${portal.baseUrl}/agent`);
  await chart.waitFor();
  assert.equal(await page.getByRole('alert').filter({ hasText: /^Spike:/ }).count(), 0);
  assert.equal(await chart.locator('rect.spike').count(), 0);

  // Twenty fraud reports in this hour, counted where the server counts them (a quiet week
  // before it): written into the store, as making twenty reports through the pages would take
  // minutes.
  // Not in an hour's last half minute, so that "this hour" is still this hour on the page.
  const intoHour = (Date.now() / 1000) % 3600;
  if (intoHour > 3570) await sleep((3601 - intoHour) * 1000);
  const hour = Math.floor(Date.now() / 1000 / 3600) * 3600;
  execFileSync('python3', [
    '-c',
    'import sqlite3, sys\n' +
      'db = sqlite3.connect(sys.argv[1])\n' +
      'db.execute("INSERT INTO event_counts (hour, kind, count) VALUES (?, \'fraud_report\', 20) "\n' +
      '           "ON CONFLICT (hour, kind) DO UPDATE SET count = count + 20", (int(sys.argv[2]),))\n' +
      'db.commit()',
    path.join(portal.dataDir, 'portal.db'),
    String(hour),
  ]);
  await page.reload();
  await page.getByRole('alert')
    .filter({ hasText: /^Spike: 2\d new cases this hour, against a usual [\d.]+ per hour\. Look for a common cause\.$/ })
    .waitFor();
  assert.equal(await chart.locator('rect.spike').count(), 1);
  assert.match(await chart.getAttribute('aria-label'), /[\d.]+ per hour, 2\d so far this hour/);
  // The same counts as a table, the current hour first.
  await page.getByText('Show the counts as a table').click();
  const first = page.getByRole('table', { name: /New disputes and fraud reports per hour/ }).getByRole('row').nth(1);
  assert.match(await first.getByRole('cell').nth(1).textContent(), /^2\d$/);
  assert.deepEqual(problems, []);
  await context.close();
});
