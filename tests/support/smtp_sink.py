#!/usr/bin/env python3
"""A real SMTP server for the tests: it accepts every message and files it in a directory.

    python3 tests/support/smtp_sink.py --maildir DIR

- listens on 127.0.0.1 on a free (ephemeral) port: plain SMTP, no TLS, no AUTH;
- once it accepts connections, prints exactly one line `PORT <n>` to stdout (flushed);
- saves each message as a complete RFC 5322 file `DIR/<000001>-<random>.eml`, written under a
  temporary name (`.tmp-...`) and then renamed, so a reader never sees half a file; the file
  starts with one `X-Envelope-To: <address>` header per envelope recipient, then the message
  exactly as received (CRLF line endings);
- exits when its standard input reaches end of file, so that it dies with the process that
  started it (give it a pipe). `--ignore-stdin` keeps it running until it is killed instead.

Needs the `aiosmtpd` package (scripts/setup --for-tests installs it).
"""

import argparse
import asyncio
import itertools
import os
import secrets
import signal
import sys
import threading

try:
    from aiosmtpd.smtp import SMTP
except ImportError:  # pragma: no cover - a setup problem, said plainly
    sys.stderr.write(
        "smtp_sink.py: the Python package 'aiosmtpd' is missing; "
        "run scripts/setup --for-tests (or: python3 -m pip install aiosmtpd)\n"
    )
    sys.exit(2)


class MaildirHandler:
    """aiosmtpd handler: one .eml file per message, written atomically."""

    def __init__(self, maildir):
        self.maildir = maildir
        self._sequence = itertools.count(1)
        self._lock = threading.Lock()

    def _next_name(self):
        with self._lock:
            number = next(self._sequence)
        return "%06d-%s.eml" % (number, secrets.token_hex(4))

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
        name = self._next_name()
        temporary = os.path.join(self.maildir, ".tmp-" + name)
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, os.path.join(self.maildir, name))
        return "250 Message accepted for delivery"


def watch_stdin(loop, stop):
    """Blocks on stdin in a thread; when it reaches EOF (or fails), stops the server."""
    try:
        while sys.stdin.buffer.read1(65536):
            pass
    except (OSError, ValueError):
        pass
    loop.call_soon_threadsafe(stop.set)


async def serve(args):
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
    parser.add_argument("--maildir", required=True, help="directory for the .eml files")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default) picks a free port")
    parser.add_argument("--max-size", type=int, default=10 * 1024 * 1024, help="bytes")
    parser.add_argument(
        "--ignore-stdin", action="store_true", help="do not exit at EOF on stdin (manual use)"
    )
    args = parser.parse_args()
    asyncio.run(serve(args))
    # The stdin thread may still be blocked reading: leave without waiting for it.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
