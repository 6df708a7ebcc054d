// Screenshots of every page, at phone (390 px) and desktop (1280 px) width, in Japanese and
// English: what a person sees, which tests by role and label do not. Not a test (node --test does
// not pick it up): a page is finished when someone has looked at its four pictures.
//
//   scripts/screenshots [OUT_DIR]      (default target/screenshots; builds must exist)
//
// The real server on the seeded demo data (`portal-server seed-demo`), the built SPA, Chromium.
// Pages with an id (a transaction, a dispute, a report, a case) are reached by following the
// first link of their list, so the script needs no ids of its own.

import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, startPortal } from './harness.mjs';
import { invitedAgent, signInWithMailedCode, turnOnAgentTwoStep } from './customers.mjs';

const OUT = path.resolve(process.argv[2] || path.join('target', 'screenshots'));
const AGENT_PASSWORD = 'quiet-harbour-lantern-5821';
const WIDTHS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } };
const LANGUAGES = ['ja', 'en'];

// Each entry: a file name, and either a path or a way to get there from a list (`via`, then the
// first link in <main> whose address matches `link`).
const PUBLIC = [
  ['home', '/'],
  ['sign-in', '/sign-in'],
  ['sign-up', '/sign-up'],
  ['forgot-password', '/forgot-password'],
  ['reset-password-no-token', '/reset-password'],
  ['verify-email-no-token', '/verify-email'],
  ['not-found', '/no-such-page'],
];
const CUSTOMER = [
  ['account', '/account'],
  ['security', '/account/security'],
  ['sessions', '/account/sessions'],
  ['change-password', '/account/password'],
  ['change-email', '/account/email'],
  ['wallet', '/wallet'],
  ['top-up', '/wallet/top-up'],
  ['cards', '/wallet/cards'],
  ['pay', '/wallet/pay'],
  ['history', '/wallet/history'],
  ['transaction', { via: '/wallet/history', link: /transactions\/./ }],
  ['disputes', '/wallet/disputes'],
  ['report-fraud', '/wallet/report-fraud'],
];
const NEIGHBOUR_PAGES = [
  ['frozen-wallet', '/wallet'],
  ['disputes-some', '/wallet/disputes'],
  ['dispute', { via: '/wallet/disputes', link: /disputes\/./ }],
  ['fraud-reports', '/wallet/fraud-reports'],
  ['fraud-report', { via: '/wallet/fraud-reports', link: /fraud-reports\/./ }],
];
const CONSOLE = [
  ['agent-queue', '/agent'],
  ['agent-case', { via: '/agent', link: /agent\/cases\/./ }],
  ['agent-audit', '/agent/audit'],
];

async function signedIn(browser, portal, who) {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await signInWithMailedCode(portal, page, who.email, who.password);
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  const state = await context.storageState();
  await context.close();
  return state;
}

/** An agent made by the admin command, with two-step verification on (the console needs it). */
async function agentState(browser, portal) {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await invitedAgent(portal, page, AGENT_PASSWORD, 'screens');
  await page.goto(`${portal.baseUrl}/agent`);
  await turnOnAgentTwoStep(page, AGENT_PASSWORD);
  const state = await context.storageState();
  await context.close();
  return state;
}

/** Every page of `pages`, in each language and width, into OUT; the files written. */
async function shoot(browser, portal, group, pages, storageState) {
  const written = [];
  for (const lang of LANGUAGES) {
    const context = await browser.newContext({ storageState, locale: lang === 'ja' ? 'ja-JP' : 'en-US' });
    await context.addInitScript((l) => localStorage.setItem('portal.locale', l), lang);
    const page = await context.newPage();
    for (const [name, where] of pages) {
      let target = where;
      if (typeof where === 'object') {
        await open(page, portal, where.via);
        const href = await page.locator('main a[href]').evaluateAll(
          (links, source) =>
            links.map((a) => a.getAttribute('href')).find((h) => !h.startsWith('/api/') && new RegExp(source).test(h)),
          where.link.source,
        );
        if (!href) throw new Error(`${group}/${name}: no link matching ${where.link} on ${where.via}`);
        target = href;
      }
      for (const [widthName, size] of Object.entries(WIDTHS)) {
        await page.setViewportSize(size);
        await open(page, portal, target);
        const file = path.join(OUT, `${group}-${name}-${lang}-${widthName}.png`);
        await page.screenshot({ path: file, fullPage: true });
        written.push(file);
      }
    }
    await context.close();
  }
  return written;
}

/**
 * Opens `address` and waits for its heading and fonts. Some pages keep a request open (so
 * "network idle" never comes); their data is on loopback, so a short pause lets it arrive.
 */
async function open(page, portal, address) {
  await page.goto(new URL(address, portal.baseUrl).href);
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await page.evaluate(() => document.fonts.ready);
  await page.waitForTimeout(700);
}

/**
 * The demo customer and the first of its neighbours (the one whose fraud report froze their
 * wallet), as `seed-demo` prints them, so that this script keeps no credentials of its own.
 */
function demoCustomers(printed) {
  const email = printed.match(/^\s+email:\s+(\S+)$/m)?.[1];
  const password = printed.match(/^\s+password:\s+(\S+)$/m)?.[1];
  const neighbour = printed.split('Support queue:')[1]?.match(/^\s+(\S+@\S+) \(/m)?.[1];
  if (!email || !password || !neighbour) throw new Error(`seed-demo printed no sign-in details:\n${printed}`);
  return { demo: { email, password }, neighbour: { email: neighbour, password } };
}

fs.mkdirSync(OUT, { recursive: true });
const portal = await startPortal();
const browser = await launchBrowser();
try {
  const { demo, neighbour } = demoCustomers(await portal.cli(['seed-demo']));
  const written = [
    ...(await shoot(browser, portal, 'public', PUBLIC, undefined)),
    ...(await shoot(browser, portal, 'customer', CUSTOMER, await signedIn(browser, portal, demo))),
    ...(await shoot(browser, portal, 'customer', NEIGHBOUR_PAGES, await signedIn(browser, portal, neighbour))),
    ...(await shoot(browser, portal, 'console', CONSOLE, await agentState(browser, portal))),
  ];
  console.log(`${written.length} screenshots in ${OUT}`);
} finally {
  await browser.close();
  await portal.stop();
}
