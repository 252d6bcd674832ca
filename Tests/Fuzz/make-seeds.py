#!/usr/bin/env python3
"""Writes the committed seed corpus of the fuzz harnesses (decision 0022) into Corpus/.

A few valid inputs per harness and a few near misses (truncated, a flipped byte, a wrong
label), made with the openssl CLI. Run it again only to change the seeds; new files get new
keys, except the bearer tokens, which are signed with the fixed keys of FuzzJWS.swift.
"""
import base64
import json
import pathlib
import subprocess
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE / "Corpus"
# The fixed fuzzing keys of FuzzJWS.swift (PKCS#8 DER, base64): they guard nothing.
ES256_KEY = (
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgh5p2WTMtVAaeUZw5kPH73POVkaR5+dldnn6NabnXJTyh"
    "RANCAAReRbCSsVk1Fman3bQ2DFWrRgEIvlXUBIXh18dY6tOMtuebBNtpHNXqL7BpUqh7Qm95NfwVgsqXJsKmUyjyxoXn"
)
ED25519_KEY = "MC4CAQAwBQYDK2VwBCIEIEb0IwqL7ii9HGHMUjg2LT1wFCwOsi/1sw2D+WQxHlvD"
WORK = pathlib.Path(tempfile.mkdtemp(prefix="clm-seeds-"))


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, cwd=WORK, check=True, capture_output=True).stdout


def write(harness, name, content):
    folder = CORPUS / harness
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())


def flipped(data, offset_from_end=8):
    data = bytearray(data)
    data[-offset_from_end] ^= 0x01
    return bytes(data)


def csr_seeds():
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.key")
    openssl("genpkey", "-algorithm", "ED25519", "-out", "ed.key")
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.key")
    ec_pem = openssl("req", "-new", "-key", "ec.key", "-subj", "/CN=www.example.com/O=Example",
                     "-addext", "subjectAltName=DNS:www.example.com,IP:192.0.2.1",
                     "-addext", "keyUsage=digitalSignature")
    ed_der = openssl("req", "-new", "-key", "ed.key", "-subj", "/CN=ed", "-outform", "DER")
    rsa_der = openssl("req", "-new", "-key", "rsa.key", "-subj", "/CN=rsa", "-outform", "DER")
    ec_der = openssl("req", "-in", "/dev/stdin", "-outform", "DER", data=ec_pem)
    write("csr", "ec-p256.pem", ec_pem)
    write("csr", "ed25519.der", ed_der)
    write("csr", "rsa-2048.der", rsa_der)
    write("csr", "ec-p256.b64", base64.b64encode(ec_der) + b"\n")
    write("csr", "bad-signature.der", flipped(ec_der))
    write("csr", "truncated.der", ec_der[: len(ec_der) // 2])
    write("csr", "wrong-label.pem", ec_pem.replace(b"CERTIFICATE REQUEST", b"CERTIFICATE"))


def pem_seeds():
    openssl("req", "-x509", "-new", "-key", "ec.key", "-subj", "/CN=Seed Root", "-days", "30", "-out", "root.pem")
    openssl("req", "-x509", "-new", "-key", "ed.key", "-subj", "/CN=Seed Ed", "-days", "30", "-out", "ed.pem")
    root = (WORK / "root.pem").read_bytes()
    ed = (WORK / "ed.pem").read_bytes()
    public = openssl("pkey", "-in", "ec.key", "-pubout")
    write("pem", "chain.pem", root + ed)
    write("pem", "public-key.pem", public)
    write("pem", "rsa-public-key.pem", openssl("pkey", "-in", "rsa.key", "-pubout"))
    write("pem", "headers.pem", public.replace(b"-----\n", b"-----\nProc-Type: 4,ENCRYPTED\n", 1))
    write("pem", "mismatched-end.pem", public.replace(b"END PUBLIC KEY", b"END PRIVATE KEY"))
    write("pem", "crlf.pem", root.replace(b"\n", b"\r\n"))
    write("pem", "unterminated.pem", root[: len(root) - 30])


def ocsp_seeds():
    for name, options in [
        ("one-serial-nonce.der", ["-serial", "0x1234"]),
        ("no-nonce.der", ["-serial", "0x01", "-no_nonce"]),
        ("sha256-two-serials.der", ["-sha256", "-serial", "0x0a0b0c0d0e0f", "-serial", "0x42"]),
    ]:
        openssl("ocsp", "-issuer", "root.pem", *options, "-reqout", name)
        write("ocsp", name, (WORK / name).read_bytes())
    request = (WORK / "one-serial-nonce.der").read_bytes()
    write("ocsp", "truncated.der", request[:-5])
    write("ocsp", "flipped.der", flipped(request, 20))


def envelope(kind, data, realm="acme"):
    return {
        "specversion": "1.0", "id": "0b9f8e7d-6c5b-4a39-8827-16f5e4d3c2b1", "source": "/clm/registry",
        "type": kind, "subject": "seed", "time": "2026-03-01T10:00:00.000Z",
        "datacontenttype": "application/json", "realm": realm, "data": data,
    }


def json_seeds():
    realm = envelope("clm.registry.realm.v1", {
        "realm": "acme", "displayName": "ACME \u00e9\u2028", "createdAt": "2026-03-01T10:00:00Z", "cas": ["default"]})
    revoke = envelope("clm.certificate.revoke.v1", {
        "token": "eyJhbGciOiJFUzI1NiJ9.e30.c2ln", "serialNumber": "0a1b2c", "reason": "keyCompromise",
        "comment": "lost\nlaptop"})
    write("json", "realm-snapshot.json", json.dumps(realm))
    write("json", "revoke-command.json", json.dumps(revoke, indent=2))
    write("json", "unknown-type.json", json.dumps(envelope("clm.nothing.v1", {})))
    write("json", "escapes.json", r'{"a":"\u0000\ud83d\ude00\t","b":[1.5e300,-0,true,null,{}],"c":"\ud800"}')
    write("json", "duplicate.json", '{"type":"x","type":"y"}')
    write("json", "deep.json", "[" * 70 + "]" * 70)


def policy_seeds():
    demo = HERE.parent.parent / "deploy" / "demo"
    for name in ["policy.json", "policy-four-eyes.json", "policy-public-tls.json", "entity.json"]:
        write("policy", name, (demo / name).read_bytes())
    document = json.loads((demo / "policy.json").read_text())
    document["validity"] = {"maxDay": 3}
    write("policy", "typo.json", json.dumps(document))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def der_to_raw(signature, length=32):
    # ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }, short form lengths only (P-256).
    position = 2
    parts = []
    for _ in range(2):
        size = signature[position + 1]
        value = signature[position + 2: position + 2 + size]
        parts.append(value.lstrip(b"\x00").rjust(length, b"\x00"))
        position += 2 + size
    return b"".join(parts)


def token(algorithm, kid, claims, key_file):
    header = b64url(json.dumps({"alg": algorithm, "typ": "JWT", "kid": kid}).encode())
    payload = b64url(json.dumps(claims).encode())
    signing_input = f"{header}.{payload}".encode()
    (WORK / "input").write_bytes(signing_input)
    if algorithm == "ES256":
        signature = der_to_raw(openssl("dgst", "-sha256", "-sign", key_file, "input"))
    else:
        signature = openssl("pkeyutl", "-sign", "-inkey", key_file, "-rawin", "-in", "input")
    return f"{header}.{payload}.{b64url(signature)}"


def jws_seeds():
    for name, key in [("fuzz-es.der", ES256_KEY), ("fuzz-ed.der", ED25519_KEY)]:
        (WORK / name).write_bytes(base64.b64decode(key))
        openssl("pkey", "-inform", "DER", "-in", name, "-out", name + ".pem")
    claims = {
        "iss": "https://idp.fuzz.example", "aud": ["clm", "other"], "sub": "alice@acme.example",
        "exp": 2_000_000_000, "nbf": 1_700_000_000, "iat": 1_700_000_000,
        "clm_roles": ["platform-admin"], "clm_realms": {"acme": ["requester", "approver"]},
    }
    es = token("ES256", "fuzz-es256", claims, "fuzz-es.der.pem")
    ed = token("EdDSA", "fuzz-ed25519", dict(claims, aud="clm"), "fuzz-ed.der.pem")
    write("jws", "bearer-es256", b"\x00Bearer " + es.encode())
    write("jws", "bearer-eddsa", b"\x00bearer  " + ed.encode())
    write("jws", "bearer-tampered", b"\x00Bearer " + es[:-3].encode() + b"AAA")
    write("jws", "bearer-none", b"\x00Bearer " + (b64url(b'{"alg":"none"}') + "." + b64url(b"{}") + ".").encode())
    write("jws", "claims-valid", b"\x01" + json.dumps(claims).encode())
    write("jws", "claims-expired", b"\x01" + json.dumps(dict(claims, exp=1_600_000_000)).encode())
    write("jws", "claims-wrong-types", b"\x01" + json.dumps(dict(claims, aud=[1], clm_realms=[])).encode())


def jwks_seeds():
    ec = openssl("pkey", "-in", "ec.key", "-pubout", "-outform", "DER")
    ed = openssl("pkey", "-in", "ed.key", "-pubout", "-outform", "DER")
    rsa_modulus = openssl("rsa", "-in", "rsa.key", "-noout", "-modulus").decode().strip().split("=")[1]
    ec_key = {"kty": "EC", "crv": "P-256", "x": b64url(ec[-64:-32]), "y": b64url(ec[-32:]), "kid": "ec", "use": "sig"}
    ed_key = {"kty": "OKP", "crv": "Ed25519", "x": b64url(ed[-32:]), "kid": "ed", "alg": "EdDSA"}
    rsa_key = {"kty": "RSA", "n": b64url(bytes.fromhex(rsa_modulus)), "e": "AQAB", "kid": "rsa", "key_ops": ["verify"]}
    write("jwks", "three-keys.json", json.dumps({"keys": [ec_key, ed_key, rsa_key]}))
    write("jwks", "encryption-key-skipped.json", json.dumps({"keys": [dict(ec_key, use="enc"), ed_key]}))
    write("jwks", "duplicate-kid.json", json.dumps({"keys": [ec_key, dict(ed_key, kid="ec")]}))
    write("jwks", "bad-curve.json", json.dumps({"keys": [dict(ec_key, crv="P-521")]}))
    write("jwks", "off-curve.json", json.dumps({"keys": [dict(ec_key, y=b64url(bytes(32)))]}))
    write("jwks", "no-kid.json", json.dumps({"keys": [{k: v for k, v in ed_key.items() if k != "kid"}]}))


def dictionaries():
    """The JSON dictionaries: syntax, then every member name, const and enum of the event schemas."""
    names, values = set(), set()

    def walk(node):
        if isinstance(node, dict):
            for key, child in node.items():
                if key == "properties" and isinstance(child, dict):
                    names.update(child)
                if key == "const" and isinstance(child, str):
                    values.add(child)
                if key == "enum" and isinstance(child, list):
                    values.update(item for item in child if isinstance(item, str))
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    for schema in sorted((HERE.parent.parent / "Shared" / "Contracts" / "Schemas").glob("*.json")):
        walk(json.loads(schema.read_text()))
    syntax = ["{", "}", "[", "]", ":", ",", '"', "true", "false", "null", "-0", "1e308",
              "\\u0000", "\\ud800", "\\udc00", '\\"', "\\\\", "\\/"]
    quoted = [f'"{name}"' for name in sorted(names)] + [f'"{value}"' for value in sorted(values)]
    jwk = ["kty", "crv", "x", "y", "n", "e", "kid", "use", "alg", "key_ops", "keys", "EC", "OKP", "RSA", "P-256",
           "P-384", "P-521", "Ed25519", "Ed448", "sig", "enc", "verify", "sign", "ES256", "ES384", "EdDSA", "RS256",
           "AQAB"]
    for name, about, extra in [
        ("json", "JSON syntax, every schema member name, const and enum value",
         quoted + ['"2026-03-01T10:00:00Z"', '"0b9f8e7d-6c5b-4a39-8827-16f5e4d3c2b1"']),
        ("policy", "JSON syntax and the schemas' member names and values",
         quoted + ['"24h"', '"90d"', '"2.5.29.17"', '"1.3.6.1.5.5.7.3.1"']),
        ("jwks", "JSON syntax and JWK member names and values", [f'"{word}"' for word in jwk]),
    ]:
        folder = HERE / "Dictionaries"
        folder.mkdir(exist_ok=True)
        lines = [f"# libFuzzer dictionary: {about} (decision 0022); written by make-seeds.py."]
        for index, word in enumerate(syntax + extra):
            escaped = word.replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'{name}_{index}="{escaped}"')
        (folder / f"{name}.dict").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    csr_seeds()
    pem_seeds()
    ocsp_seeds()
    json_seeds()
    policy_seeds()
    jws_seeds()
    jwks_seeds()
    dictionaries()
    for folder in sorted(CORPUS.iterdir()):
        files = list(folder.iterdir())
        print(f"{folder.name}: {len(files)} files, {sum(f.stat().st_size for f in files)} bytes")
