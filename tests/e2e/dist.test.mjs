// The built SPA as the server sends it: every file index.html names with an integrity hash has
// exactly that hash. The three bundles are built side by side and share a snippet directory; a
// file written by one bundle's build over another's would be blocked by the browser, and the
// sign-in page would never start.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { REPO_ROOT } from './harness.mjs';

const DIST = path.resolve(REPO_ROOT, process.env.PORTAL_DIST_DIR || 'dist');

test('every file index.html names has the integrity hash it names', () => {
  const html = fs.readFileSync(path.join(DIST, 'index.html'), 'utf8');
  const tags = [...html.matchAll(/<[^>]*\bintegrity=["']?(sha384-[A-Za-z0-9+/=]+)[^>]*>/g)];
  assert.ok(tags.length >= 4, `integrity-checked files in index.html: ${tags.length}`);
  for (const [tag, expected] of tags) {
    const href = tag.match(/\bhref=["']?\/([^"' >]+)/)?.[1];
    assert.ok(href, `no href in ${tag}`);
    const digest = crypto.createHash('sha384').update(fs.readFileSync(path.join(DIST, href))).digest('base64');
    assert.equal(`sha384-${digest}`, expected, href);
  }
});
