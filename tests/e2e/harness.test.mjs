// Self-test of how the browser tests read mail: the SMTP sink decodes each message with
// Python's `email` package, and the harness reads what it filed. Here the sink's `--describe`
// reads raw messages such as mailers write (no server, no browser, no SMTP).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { describeFiles, findLinks } from './harness.mjs';

const CRLF = (s) => s.replace(/\r?\n/g, '\r\n');

/** The message as the harness reads it once the sink has filed `raw` (a Buffer or a string). */
function describe(raw) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-mail-test-'));
  try {
    const file = path.join(dir, 'message.eml');
    fs.writeFileSync(file, raw);
    return describeFiles([file])[0];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('multipart/alternative: quoted-printable text, base64 html, Japanese encoded-word subject', () => {
  const html = Buffer.from(
    '<p>ようこそ。<a href="http://127.0.0.1:8080/verify?token=abc&amp;x=1">確認する</a></p>',
  ).toString('base64');
  const raw = CRLF(`X-Envelope-To: alice@example.test
From: =?utf-8?b?TWFtb3J1IFdhbGxldA==?= <noreply@example.test>
To: "Alice" <Alice@Example.test>
Subject: =?UTF-8?B?44Oh44O844Or44Ki44OJ44Os44K5?=
 =?UTF-8?B?44Gu56K66KqN?= - Mamoru
MIME-Version: 1.0
Content-Type: multipart/alternative;
 boundary="b1=_xyz"

This is a multi-part message in MIME format.
--b1=_xyz
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

=E3=81=93=E3=82=93=E3=81=AB=E3=81=A1=E3=81=AF=E3=80=82 Confirm your address:=
 http://127.0.0.1:8080/verify?token=3DAbC-123_very-long-token-that-was-wrapp=
ed-by-the-encoder
Or open https://example.test/help.
--b1=_xyz
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: base64

${html.slice(0, 40)}
${html.slice(40)}
--b1=_xyz--
`);
  const m = describe(Buffer.from(raw, 'latin1'));
  assert.equal(m.subject, 'メールアドレスの確認 - Mamoru');
  assert.equal(m.from, 'Mamoru Wallet <noreply@example.test>');
  assert.equal(m.to, 'alice@example.test');
  assert.deepEqual(m.recipients, ['alice@example.test', 'Alice@Example.test']);
  assert.equal(
    m.text,
    'こんにちは。 Confirm your address: http://127.0.0.1:8080/verify?token=AbC-123_very-long-token-that-was-wrapped-by-the-encoder\nOr open https://example.test/help.',
  );
  assert.deepEqual(m.links, [
    'http://127.0.0.1:8080/verify?token=AbC-123_very-long-token-that-was-wrapped-by-the-encoder',
    'https://example.test/help',
  ]);
  assert.match(m.html, /ようこそ。<a href="http:\/\/127\.0\.0\.1:8080\/verify\?token=abc&amp;x=1">確認する<\/a>/);
});

test('single part, base64 text, Q-encoded subject, several envelope recipients', () => {
  const body = Buffer.from('Your code: 123456\nhttps://portal.test/a?b=c\n').toString('base64');
  const raw = CRLF(`X-Envelope-To: bob@example.test
X-Envelope-To: carol@example.test
Subject: =?utf-8?q?Sign-in_alert_=E2=80=94_new_device?=
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: base64

${body}
`);
  const m = describe(raw);
  assert.equal(m.subject, 'Sign-in alert — new device');
  assert.deepEqual(m.envelopeTo, ['bob@example.test', 'carol@example.test']);
  assert.equal(m.text, 'Your code: 123456\nhttps://portal.test/a?b=c\n');
  assert.deepEqual(m.links, ['https://portal.test/a?b=c']);
  assert.equal(m.html, '');
});

test('8-bit body, plain ASCII subject, nested multipart/mixed', () => {
  const raw = CRLF(`To: dave@example.test
Subject: Plain subject
Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

パスワードの再設定: http://127.0.0.1:9/reset#t=1
--inner--
--outer
Content-Type: text/plain
Content-Disposition: attachment; filename=x.txt

not this
--outer--
`);
  const m = describe(Buffer.from(raw, 'utf8'));
  assert.equal(m.to, 'dave@example.test');
  assert.equal(m.subject, 'Plain subject');
  assert.equal(m.text, 'パスワードの再設定: http://127.0.0.1:9/reset#t=1');
  assert.deepEqual(m.links, ['http://127.0.0.1:9/reset#t=1']);
});

test('encoded words: a character split across two words, other charsets, text around them', () => {
  // "確認" is E7 A2 BA E8 AA 8D; split after the 4th byte.
  const subject = (value) => describe(CRLF(`Subject: ${value}\n\nbody\n`)).subject;
  assert.equal(subject('Re: =?utf-8?q?=E7=A2=BA=E8?= =?utf-8?q?=AA=8D?= done'), 'Re: 確認 done');
  assert.equal(subject('no words here'), 'no words here');
  assert.equal(subject('=?ISO-8859-1?Q?caf=E9?='), 'café');
});

test('links', () => {
  assert.deepEqual(findLinks('see (https://a.test/x). and <http://b.test/y>, ok'), [
    'https://a.test/x',
    'http://b.test/y',
  ]);
});

test('a message with no text part: links come from its HTML', () => {
  const m = describe(CRLF(`X-Envelope-To: erin@example.test
Subject: HTML only
Content-Type: text/html; charset=utf-8

<p><a href="https://portal.test/confirm?token=a&amp;b=c">Confirm</a></p>
`));
  assert.equal(m.text, '');
  assert.deepEqual(m.links, ['https://portal.test/confirm?token=a&b=c']);
  assert.deepEqual(m.headers.subject, ['HTML only']);
});
