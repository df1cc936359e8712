"""A real SMTP server for roster's mail tests (crates/roster/tests/it/smtp.rs).

aiosmtpd (Debian's python3-aiosmtpd, installed by scripts/install-smtp.sh)
listens on 127.0.0.1; every message it accepts is written to the folder given
as a JSON file (envelope sender, recipients, and the message as received), by
a rename, so that a reader never sees half a file; the message is also
parsed by Python's email package, so that tests read the headers and body
as a mail client shows them. Once listening, it prints
"port N" on standard output: the test waits for that line, not for a delay.

    server.py FOLDER [--port N] [--login USER:PASSWORD]

--port 0 (the default) takes a free port. --login makes the server require
that login (AUTH PLAIN or LOGIN, allowed without TLS: the tests run on
loopback only).
"""

import argparse
import asyncio
import email
import email.policy
import itertools
import json
import os
import sys

from aiosmtpd.smtp import SMTP, AuthResult


class Folder:
    """Writes each accepted message to FOLDER/NNNN.json."""

    def __init__(self, folder):
        self.folder = folder
        self.numbers = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        number = next(self.numbers)
        # Parsed as a mail client would: headers unfolded and decoded
        # (RFC 2047), the body decoded from its transfer encoding.
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "headers": [[name, str(value)] for name, value in message.items()],
            # Lines end in "\n", as Python reads text.
            "body": body.get_content().replace("\r\n", "\n") if body is not None else "",
            "data": envelope.original_content.decode("utf-8", "replace"),
        }
        # Several server runs may write to one folder: the pid keeps names apart.
        name = "%d-%04d.json" % (os.getpid(), number)
        partial = os.path.join(self.folder, "." + name)
        with open(partial, "w", encoding="utf-8") as out:
            json.dump(record, out)
        os.rename(partial, os.path.join(self.folder, name))
        return "250 OK"


def authenticator(login):
    user, _, password = login.partition(":")

    def check(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login.decode() == user and auth_data.password.decode() == password
        # handled=False: aiosmtpd answers 535 itself (handled=True would
        # leave the client waiting for an answer).
        return AuthResult(success=ok, handled=False)

    return check


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--login")
    args = parser.parse_args()
    handler = Folder(args.folder)
    options = {}
    if args.login:
        options = {
            "authenticator": authenticator(args.login),
            "auth_required": True,
            "auth_require_tls": False,
        }
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="smtp.test", **options), "127.0.0.1", args.port
    )
    port = server.sockets[0].getsockname()[1]
    print("port %d" % port, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
