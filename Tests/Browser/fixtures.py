"""Fixtures of the console's browser tests, created through the edge's public API.

Signs in at the OpenID provider mock (oidc-provider-mock) with its authorization code flow,
driven with urllib, and uses the ID token as the bearer (the services trust the mock's JWKS,
with the console's client id as audience). Creates:

- the test realm (`web-<suffix>`) with the policies `web-server` (automatic, commonName
  pattern), `four-eyes` (two approvers), `email-verified` (e-mail link) and `server-key`, and
  the end entities `www`, `bad-name` (breaks web-server's commonName pattern) and `person`
  (with an e-mail address);
- a foreign realm (`other-<suffix>`) with one issued request in it;

then writes the fixtures file the tests read (`CLM_BROWSER_FIXTURES`, shape in
/tmp/console-contract.md). Environment: `CLM_API_URL` (the edge), `CLM_OIDC_MOCK_URL`,
`CLM_BROWSER_FIXTURES`, `CLM_BROWSER_MAIL` (the mail directory, recorded in the file),
optional `CLM_BROWSER_REALM_SUFFIX` and `CLM_CONSOLE_OIDC_CLIENT_ID` (default clm-console).

Run by run.py; also runnable on its own: `python fixtures.py`.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

CLIENT_ID = os.environ.get("CLM_CONSOLE_OIDC_CLIENT_ID", "clm-console")
# The mock authenticates every client at its token endpoint (any secret passes, none fails).
CLIENT_SECRET = "browser-tests"
# The mock accepts any redirect URI for any client; the code never travels through a browser.
REDIRECT_URI = "http://127.0.0.1/fixtures/callback"
HARNESS_SUBJECT = "fixtures@example.test"
TIMEOUT = 30


class FixtureError(Exception):
    pass


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _open(request, follow_redirects=True):
    opener = urllib.request.build_opener() if follow_redirects else urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        body = error.read()
        return error.code, dict(error.headers), body


def _decode_segment(segment):
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def describe_token(token):
    """Header and claims of a JWT, for failure messages (never verified here)."""
    try:
        header, claims, _ = token.split(".")
        return {"header": _decode_segment(header), "claims": _decode_segment(claims)}
    except (ValueError, json.JSONDecodeError) as error:
        return {"undecodable": str(error)}


# --- the identity provider mock ---------------------------------------------------------------


def set_user(mock_url, subject, claims):
    """PUT /users/{sub}: the claims the mock puts into this user's tokens."""
    request = urllib.request.Request(
        f"{mock_url}/users/{urllib.parse.quote(subject, safe='')}",
        data=json.dumps(claims).encode(),
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    status, _, body = _open(request)
    if status not in (200, 204):
        raise FixtureError(f"PUT /users/{subject} at the mock answered {status}: {body[:300]!r}")


def id_token(mock_url, subject, claims):
    """Signs `subject` in with the code flow (authorize form POST, code, token) and returns the ID token."""
    set_user(mock_url, subject, claims)
    query = urllib.parse.urlencode({
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid email profile",
        "state": uuid.uuid4().hex,
        "nonce": uuid.uuid4().hex,
    })
    form = urllib.parse.urlencode({"sub": subject}).encode()
    status, headers, body = _open(
        urllib.request.Request(f"{mock_url}/oauth2/authorize?{query}", data=form, method="POST"),
        follow_redirects=False,
    )
    location = headers.get("Location") or headers.get("location") or ""
    if status != 302 or not location.startswith(REDIRECT_URI):
        raise FixtureError(f"the mock's authorize form answered {status} (Location {location!r}): {body[:300]!r}")
    code = urllib.parse.parse_qs(urllib.parse.urlparse(location).query).get("code", [""])[0]
    if not code:
        raise FixtureError(f"no code in the mock's redirect: {location}")
    token_form = urllib.parse.urlencode({
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }).encode()
    status, _, body = _open(urllib.request.Request(f"{mock_url}/oauth2/token", data=token_form, method="POST"))
    if status != 200:
        raise FixtureError(f"the mock's token endpoint answered {status}: {body[:300]!r}")
    token = json.loads(body).get("id_token")
    if not token:
        raise FixtureError(f"the mock's token answer has no id_token: {body[:300]!r}")
    return token


# --- the public API through the edge ----------------------------------------------------------


class API:
    def __init__(self, base_url, token, mock_url):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.mock_url = mock_url

    def call(self, method, path, body=None, headers=None):
        """(status, parsed JSON or text) of one call."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.base_url}{path}", data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        status, _, raw = _open(request)
        text = raw.decode("utf-8", "replace")
        try:
            return status, json.loads(text) if text else None
        except json.JSONDecodeError:
            return status, text

    def expect(self, status, method, path, body=None):
        got, answer = self.call(method, path, body)
        if got == 401:
            raise FixtureError(self._unauthorized(method, path, answer))
        if got != status:
            raise FixtureError(f"{method} {path}: expected {status}, got {got}: {json.dumps(answer)[:800]}")
        return answer

    def _unauthorized(self, method, path, answer):
        """Why the services refused the mock's token: their problem, the token, the mock's key set."""
        _, _, jwks = _open(urllib.request.Request(f"{self.mock_url}/jwks"))
        return (
            f"{method} {path} answered 401 with the mock's ID token: {json.dumps(answer)}\n"
            f"the token: {json.dumps(describe_token(self.token))}\n"
            f"the mock's JWKS ({self.mock_url}/jwks): {jwks.decode('utf-8', 'replace')}\n"
            "(the services must run with CLM_AUTH_JWKS_URL=<mock>/jwks, CLM_AUTH_ISSUER=<mock>, "
            f"CLM_AUTH_AUDIENCE={CLIENT_ID})"
        )


# Codes intake answers while its read model has not yet seen what the registry just stored.
NOT_YET_KNOWN = {"unknown-policy", "unknown-policy-version", "unknown-end-entity", "not-found", "unknown-realm"}


def submit(api, realm, body, deadline_seconds=60):
    """POST a request (202), retrying while intake has not caught up with the registry."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        status, answer = api.call("POST", f"/v1/realms/{realm}/requests", body)
        code = answer.get("code", "") if isinstance(answer, dict) else ""
        if status == 202:
            return answer
        if code not in NOT_YET_KNOWN or time.monotonic() > deadline:
            raise FixtureError(f"submit in {realm}: {status} {json.dumps(answer)[:800]}")
        time.sleep(0.3)


def wait_final(api, realm, request_id, timeout=120):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        status, answer = api.call("GET", f"/v1/realms/{realm}/requests/{request_id}")
        if status == 200 and isinstance(answer, dict):
            last = answer
            if answer.get("state") in ("issued", "declined", "expired", "failed"):
                return answer
        time.sleep(0.3)
    raise FixtureError(f"request {request_id} in {realm} not final after {timeout}s: {json.dumps(last)[:800]}")


def wait_known(api, realm, checks, timeout=30):
    """Waits until intake judges each (policy, entities) pair (the preview endpoint stores nothing).

    Gives up quietly when the preview endpoint answers something else than 200 or a
    not-yet-known code: the tests' own submissions then wait as they would anyway.
    """
    deadline = time.monotonic() + timeout
    for policy, entities in checks:
        while True:
            status, answer = api.call(
                "POST", f"/v1/realms/{realm}/requests/preview", {"policy": policy, "entities": entities}
            )
            code = answer.get("code", "") if isinstance(answer, dict) else ""
            if status == 200:
                break
            if code not in NOT_YET_KNOWN:
                print(f"fixtures: preview of {policy} answered {status} {code or ''}; not waiting for intake")
                return
            if time.monotonic() > deadline:
                raise FixtureError(f"intake still does not know {policy}/{entities} in {realm}: {json.dumps(answer)}")
            time.sleep(0.3)


def make_csr():
    """A PEM CSR with a fresh EC P-256 key (CLM ignores its subject)."""
    with tempfile.TemporaryDirectory() as directory:
        key, csr = os.path.join(directory, "key.pem"), os.path.join(directory, "req.csr")
        subprocess.run(
            ["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", key, "-subj", "/CN=ignored", "-out", csr],
            check=True, capture_output=True,
        )
        with open(csr, encoding="ascii") as f:
            return f.read()


# --- what the tests get ----------------------------------------------------------------------

KEYS = {"rsaBits": [2048, 3072], "ecCurves": ["P-256", "P-384"], "eddsa": ["Ed25519"]}
HOST_PATTERN = r"[a-z0-9-]+(\.[a-z0-9-]+)*\.example\.test"


def policies():
    web = {
        "id": "web-server",
        "displayName": "TLS server certificates, issued at once",
        "ca": "default",
        "keyTemplate": KEYS,
        "validity": {"defaultDays": 90, "maxDays": 397},
        "profile": {"keyUsage": ["digitalSignature"], "extendedKeyUsage": ["serverAuth", "clientAuth"]},
        "constraints": {"attributes": {"commonName": {"presence": "required", "pattern": HOST_PATTERN}}},
        "approval": {"mode": "automatic"},
    }
    four_eyes = dict(
        web,
        id="four-eyes",
        displayName="TLS server certificates, two approvers",
        approval={"mode": "manual", "approvers": 2, "expiresAfter": "72h"},
    )
    email = {
        "id": "email-verified",
        "displayName": "Personal certificates: the mailbox owner confirms by e-mail",
        "ca": "default",
        "keyTemplate": KEYS,
        "validity": {"defaultDays": 365, "maxDays": 365},
        "profile": {"keyUsage": ["digitalSignature"], "extendedKeyUsage": ["emailProtection", "clientAuth"]},
        "constraints": {"attributes": {"email": {"presence": "required"}}, "allowedEmailDomains": ["example.test"]},
        "approval": {"mode": "email", "linkLifetime": "1h"},
    }
    server_key = dict(
        web, id="server-key", displayName="TLS server certificates with a key made on the server", keyRetention="1d"
    )
    return [web, four_eyes, email, server_key]


PERSON_EMAIL = "pat@example.test"


def entities(domain):
    return [
        {
            "id": "www",
            "kind": "service",
            "attributes": {
                "commonName": f"www.{domain}",
                "organization": "Example Org",
                "country": "DE",
                "dnsNames": [f"www.{domain}", f"api.{domain}"],
            },
        },
        {
            "id": "bad-name",
            "kind": "service",
            "attributes": {"commonName": "intranet.corp.local", "dnsNames": ["intranet.corp.local"]},
        },
        {
            "id": "person",
            "kind": "person",
            "attributes": {"commonName": "Pat Example", "email": PERSON_EMAIL, "organization": "Example Org"},
        },
    ]


def create(api_url, mock_url, fixtures_path, mail_directory, suffix=None):
    suffix = suffix or uuid.uuid4().hex[:4]
    realm, foreign = f"web-{suffix}", f"other-{suffix}"
    users = {
        "requester": {"subject": "rita@example.test", "realms": {realm: ["requester"]}},
        "approver1": {"subject": "alan@example.test", "realms": {realm: ["approver"]}},
        "approver2": {"subject": "anna@example.test", "realms": {realm: ["approver"]}},
        "admin": {
            "subject": "ada@example.test",
            "realms": {realm: ["realm-admin", "auditor", "requester", "approver"]},
        },
    }
    token = id_token(mock_url, HARNESS_SUBJECT, {
        "clm_roles": ["platform-admin"],
        "clm_realms": {realm: ["realm-admin", "requester", "auditor"], foreign: ["realm-admin", "requester"]},
        "email": HARNESS_SUBJECT,
    })
    api = API(api_url, token, mock_url)

    api.expect(201, "POST", "/v1/realms", {"id": realm, "displayName": f"Web services {suffix}"})
    for policy in policies():
        api.expect(201, "POST", f"/v1/realms/{realm}/policies", policy)
    for entity in entities("example.test"):
        api.expect(201, "POST", f"/v1/realms/{realm}/end-entities", entity)

    api.expect(201, "POST", "/v1/realms", {"id": foreign, "displayName": f"Another team {suffix}"})
    api.expect(201, "POST", f"/v1/realms/{foreign}/policies", policies()[0])
    api.expect(201, "POST", f"/v1/realms/{foreign}/end-entities", entities("other.example.test")[0])
    submitted = submit(api, foreign, {"policy": "web-server", "entities": ["www"], "csr": make_csr()})
    final = wait_final(api, foreign, submitted["id"])
    if final.get("state") != "issued":
        raise FixtureError(f"the foreign realm's request ended {final.get('state')}: {json.dumps(final)[:800]}")

    wait_known(api, realm, [
        ("web-server", ["www"]), ("four-eyes", ["www"]), ("email-verified", ["person"]), ("server-key", ["www"]),
    ])

    # The tests PUT these claims themselves before signing in; set them now too.
    for user in users.values():
        set_user(mock_url, user["subject"], {"clm_realms": user["realms"], "email": user["subject"]})

    fixtures = {
        "realm": realm,
        "foreignRealm": foreign,
        "users": users,
        "policies": {"automatic": "web-server", "fourEyes": "four-eyes", "email": "email-verified",
                     "serverKey": "server-key"},
        "entities": {"good": "www", "mismatch": "bad-name", "person": "person"},
        "foreignRequest": {"realm": foreign, "id": submitted["id"]},
        "mailDirectory": mail_directory,
        # Beyond the contract, for convenience.
        "personEmail": PERSON_EMAIL,
        "apiURL": api_url,
    }
    directory = os.path.dirname(os.path.abspath(fixtures_path))
    os.makedirs(directory, exist_ok=True)
    with open(fixtures_path + ".part", "w", encoding="utf-8") as f:
        json.dump(fixtures, f, indent=2)
    os.replace(fixtures_path + ".part", fixtures_path)
    return fixtures


def main():
    missing = [key for key in ("CLM_API_URL", "CLM_OIDC_MOCK_URL", "CLM_BROWSER_FIXTURES", "CLM_BROWSER_MAIL")
               if not os.environ.get(key)]
    if missing:
        print(f"fixtures: missing environment: {', '.join(missing)}", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        fixtures = create(
            os.environ["CLM_API_URL"], os.environ["CLM_OIDC_MOCK_URL"].rstrip("/"),
            os.environ["CLM_BROWSER_FIXTURES"], os.environ["CLM_BROWSER_MAIL"],
            os.environ.get("CLM_BROWSER_REALM_SUFFIX"),
        )
    except FixtureError as error:
        print(f"fixtures: {error}", file=sys.stderr)
        return 1
    print(f"fixtures: realm {fixtures['realm']}, foreign realm {fixtures['foreignRealm']} "
          f"(request {fixtures['foreignRequest']['id']}) in {time.monotonic() - started:.1f}s "
          f"-> {os.environ['CLM_BROWSER_FIXTURES']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
