#!/usr/bin/env python3
"""A real SMTP server for the tests: it accepts every message and files it in a directory.

    python3 tests/support/smtp_sink.py --maildir DIR

- listens on 127.0.0.1 on a free (ephemeral) port: plain SMTP, no TLS, no AUTH;
- once it accepts connections, prints exactly one line `PORT <n>` to stdout (flushed);
- saves each message as a complete RFC 5322 file `DIR/<000001>-<random>.eml`: one
  `X-Envelope-To: <address>` header per envelope recipient, then the message exactly as
  received (CRLF line endings);
- beside it, `DIR/<000001>-<random>.json`: that file as Python's `email` package reads it
  (see `describe`), so the tests in every language read mail through one MIME parser, a
  well-kept one, and none of their own. Both files are written under a temporary name
  (`.tmp-...`) and then renamed, the JSON last: a reader that lists `*.json` never sees half a
  message;
- exits when its standard input reaches end of file, so that it dies with the process that
  started it (give it a pipe). `--ignore-stdin` keeps it running until it is killed instead.

    python3 tests/support/smtp_sink.py --describe FILE.eml...

prints, as one JSON array, what the sink files beside each given .eml (the harness's self-test
uses it). Serving needs the `aiosmtpd` package (scripts/setup --for-tests installs it);
describing needs only Python.
"""

import argparse
import asyncio
import email
import email.policy
import itertools
import json
import os
import secrets
import signal
import sys
import threading



def describe(data):
    """What a mail client shows of a filed message (bytes of an .eml above), as JSON-ready data.

    - envelope_to: the envelope recipients (its X-Envelope-To headers), in order;
    - recipients: those, then the addresses in To and Cc, each once (as spelled);
    - from, subject: decoded header values (RFC 2047 words and all);
    - text, html: the decoded body of the first text/plain and text/html part that is not an
      attachment ("" if none), line endings as LF;
    - headers: every header, name in lower case, its decoded values in order.
    """
    message = email.message_from_bytes(data, policy=email.policy.default)
    headers = {}
    for name, value in message.items():
        headers.setdefault(name.lower(), []).append(str(value))
    envelope_to = [str(value) for value in message.get_all("X-Envelope-To", [])]
    recipients = list(envelope_to)
    for field in ("To", "Cc"):
        for value in message.get_all(field, []):
            recipients.extend(address.addr_spec for address in value.addresses)

    def body(kind):
        part = message.get_body(preferencelist=(kind,))
        if part is None:
            return ""
        return part.get_content().replace("\r\n", "\n")

    return {
        "envelope_to": envelope_to,
        "recipients": list(dict.fromkeys(recipients)),
        "from": str(message.get("From", "")),
        "subject": str(message.get("Subject", "")),
        "text": body("plain"),
        "html": body("html"),
        "headers": headers,
    }


def write_atomically(path, data):
    temporary = os.path.join(os.path.dirname(path), ".tmp-" + os.path.basename(path))
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


class MaildirHandler:
    """aiosmtpd handler: per message an .eml file and its description (.json), each atomically."""

    def __init__(self, maildir):
        self.maildir = maildir
        self._sequence = itertools.count(1)
        self._lock = threading.Lock()

    def _next_name(self):
        with self._lock:
            number = next(self._sequence)
        return "%06d-%s" % (number, secrets.token_hex(4))

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content
        if content is None:
            content = envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        header = b"".join(
            b"X-Envelope-To: " + rcpt.encode("utf-8") + b"\r\n" for rcpt in envelope.rcpt_tos
        )
        data = header + content
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        stem = os.path.join(self.maildir, self._next_name())
        parsed = json.dumps(describe(data), ensure_ascii=False, indent=1).encode("utf-8")
        write_atomically(stem + ".eml", data)
        write_atomically(stem + ".json", parsed)
        return "250 Message accepted for delivery"


def watch_stdin(loop, stop):
    """Blocks on stdin in a thread; when it reaches EOF (or fails), stops the server."""
    try:
        while sys.stdin.buffer.read1(65536):
            pass
    except (OSError, ValueError):
        pass
    loop.call_soon_threadsafe(stop.set)


def smtp_server_class():
    try:
        from aiosmtpd.smtp import SMTP
    except ImportError:  # pragma: no cover - a setup problem, said plainly
        sys.stderr.write(
            "smtp_sink.py: the Python package 'aiosmtpd' is missing; "
            "run scripts/setup --for-tests (or: python3 -m pip install aiosmtpd)\n"
        )
        sys.exit(2)
    return SMTP


async def serve(args):
    SMTP = smtp_server_class()
    os.makedirs(args.maildir, exist_ok=True)
    handler = MaildirHandler(args.maildir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(
            handler,
            hostname="smtp-sink.localhost",
            enable_SMTPUTF8=True,
            data_size_limit=args.max_size,
            ident="portal-test-smtp-sink",
        ),
        host=args.host,
        port=args.port,
    )
    port = server.sockets[0].getsockname()[1]
    # The socket is listening: connections are accepted from here on.
    sys.stdout.write("PORT %d\n" % port)
    sys.stdout.flush()

    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if not args.ignore_stdin:
        threading.Thread(target=watch_stdin, args=(loop, stop), daemon=True).start()
    await stop.wait()
    server.close()
    await server.wait_closed()


def main():
    parser = argparse.ArgumentParser(description="SMTP server that files every message it gets.")
    parser.add_argument("--maildir", help="directory for the .eml and .json files")
    parser.add_argument(
        "--describe", nargs="+", metavar="EML", help="print what would be filed for these files"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default) picks a free port")
    parser.add_argument("--max-size", type=int, default=10 * 1024 * 1024, help="bytes")
    parser.add_argument(
        "--ignore-stdin", action="store_true", help="do not exit at EOF on stdin (manual use)"
    )
    args = parser.parse_args()
    if args.describe:
        described = []
        for path in args.describe:
            with open(path, "rb") as handle:
                described.append(describe(handle.read()))
        json.dump(described, sys.stdout, ensure_ascii=False)
        return
    if not args.maildir:
        parser.error("--maildir is required")
    asyncio.run(serve(args))
    # The stdin thread may still be blocked reading: leave without waiting for it.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
