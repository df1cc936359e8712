"""A real SMTP server for roster's mail tests (crates/roster/tests/it/smtp.rs).

aiosmtpd (Debian's python3-aiosmtpd, installed by scripts/install-smtp.sh)
listens on 127.0.0.1; every message it accepts is written to the folder given
as a JSON file (envelope sender, recipients, and the message as received), by
a rename, so that a reader never sees half a file; the message is also
parsed by Python's email package, so that tests read the headers and body
as a mail client shows them. Once listening, it prints
"port N" on standard output: the test waits for that line, not for a delay.

    server.py FOLDER [--port N] [--login USER:PASSWORD] [--security plain|starttls|tls]

--port 0 (the default) takes a free port. --login makes the server require
that login (AUTH PLAIN or LOGIN, allowed without TLS: the tests run on
loopback only). --security starttls requires STARTTLS before anything else,
tls speaks TLS from the first byte; for both, the server makes a throwaway
CA (FOLDER/tls/ca.pem, which the test trusts) and a certificate for
127.0.0.1 with openssl.
"""

import argparse
import asyncio
import email
import email.policy
import itertools
import json
import os
import ssl
import subprocess
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


def certificate(folder):
    """A throwaway CA and a server certificate for 127.0.0.1 it signed."""
    tls = os.path.join(folder, "tls")
    os.makedirs(tls, exist_ok=True)
    path = lambda name: os.path.join(tls, name)
    with open(path("server.ext"), "w", encoding="ascii") as out:
        out.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                  "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n")
    if os.path.exists(path("server.pem")):
        return context_of(path)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    quiet = {"check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.run(["openssl", "req", "-x509", *ec, "-keyout", path("ca.key"), "-out",
                    path("ca.pem"), "-days", "2", "-subj", "/CN=roster test SMTP CA",
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign"], **quiet)
    subprocess.run(["openssl", "req", *ec, "-keyout", path("server.key"), "-out",
                    path("server.csr"), "-subj", "/CN=127.0.0.1"], **quiet)
    subprocess.run(["openssl", "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"),
                    "-CAkey", path("ca.key"), "-CAcreateserial", "-out", path("server.pem"),
                    "-days", "2", "-extfile", path("server.ext")], **quiet)
    return context_of(path)


def context_of(path):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(path("server.pem"), path("server.key"))
    return context


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--login")
    parser.add_argument("--security", choices=["plain", "starttls", "tls"], default="plain")
    args = parser.parse_args()
    handler = Folder(args.folder)
    options = {}
    if args.login:
        options = {
            "authenticator": authenticator(args.login),
            "auth_required": True,
            "auth_require_tls": False,
        }
    wrapped = None
    if args.security != "plain":
        # An existing CA is kept, so that a restarted server is trusted still.
        context = certificate(args.folder)
        if args.security == "starttls":
            options.update(tls_context=context, require_starttls=True)
        else:
            wrapped = context
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="smtp.test", **options), "127.0.0.1", args.port,
        ssl=wrapped,
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
