"""The requester's journey through the console: the wizard with a CSR and with a server-side key,
through to issuance and download; a policy mismatch shown before submission; another realm's
request answering "not found"; the Content-Security-Policy header. Plain unittest."""
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser as b  # noqa: E402

ISSUE_TIMEOUT = float(os.environ.get("CLM_BROWSER_ISSUE_TIMEOUT", "120"))
PASSWORD = "Correct-Horse-Battery-42"


def openssl(*args, stdin=None):
    return subprocess.run(["openssl", *args], check=True, capture_output=True, text=True, input=stdin).stdout


def request_state(driver):
    badge = b.find(driver, "request-state").find_element(b.By.CSS_SELECTOR, "[data-state]")
    return badge.get_attribute("data-state")


def csp_violations(driver):
    return [m for m in b.console_errors(driver) if "Content Security Policy" in m or "Refused to" in m]


class RequesterTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fx = b.fixtures()
        cls.realm = cls.fx["realm"]
        cls.tmp = tempfile.mkdtemp(prefix="clm-requester-")
        cls.driver = b.make_driver(b.WIDE)
        b.sign_in(cls.driver, "requester")

    @classmethod
    def tearDownClass(cls):
        b.quit_driver(cls.driver)

    def tearDown(self):
        self.assertEqual(csp_violations(self.driver), [], "the page broke the Content-Security-Policy")

    # --- wizard steps shared by the tests -------------------------------------------------

    def start_wizard(self, policy, entities, shots=None):
        d = self.driver
        b.go(d, "/new/1")
        b.wait_test(d, "realm-list")
        if b.find_all(d, "wizard-restart"):  # what an earlier test left in the wizard
            b.click(d, "wizard-restart")
            b.wait_test(d, "realm-list")
        b.choose(d, "realm", self.realm)
        if shots:
            b.screenshot(d, f"{shots}-1-realm")
        b.click(d, "wizard-next")
        b.wait_test(d, "policy-list")
        b.choose(d, "policy", policy)
        b.wait_test(d, "policy-facts")
        b.wait_text(d, "version", test_id="policy-facts")
        if shots:
            b.screenshot(d, f"{shots}-2-policy")
        b.click(d, "wizard-next")
        b.wait_test(d, "entity-list")
        for entity in entities:
            b.choose(d, "entity-checkbox", entity)
        return d

    def entities_accepted(self, shots=None):
        d = self.driver
        b.wait_for(d, lambda x: b.find_all(x, "entities-ok") or b.find_all(x, "preview-unavailable"),
                   message="the end entities judged acceptable")
        if shots:
            b.screenshot(d, f"{shots}-3-entities")
        b.click(d, "wizard-next")
        b.wait_test(d, "source-choice")

    def review_and_submit(self, shots=None):
        d = self.driver
        b.click(d, "wizard-next")
        b.wait_test(d, "review-facts")
        if shots:
            b.screenshot(d, f"{shots}-5-review")
        submit = b.wait_test(d, "wizard-submit")
        count = self.my_request_count()
        # A double click must make one request (one Idempotency-Key per wizard run).
        d.execute_script("arguments[0].click(); arguments[0].click();", submit)
        b.wait_for(d, lambda x: "/requests/" in x.current_url, message="the request page")
        b.wait_test(d, "timeline")
        self.assertEqual(self.my_request_count(), count + 1, "a double click made one request")
        return d.current_url.rsplit("/", 1)[-1]

    def my_request_count(self):
        """The requests the signed-in requester sees in the realm, through the console's proxy."""
        return self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch('/console/api/v1/realms/' + encodeURIComponent(arguments[0]) + '/requests?limit=1000',"
            " {headers: {'X-CLM-Console': '1'}}).then((r) => r.json()).then((l) => done(l.length), () => done(-1));",
            self.realm)

    def wait_issued(self):
        d = self.driver
        b.wait_for(d, lambda x: request_state(x) in ("issued", "failed", "declined", "expired"),
                   timeout=ISSUE_TIMEOUT, message="a final state")
        self.assertEqual(request_state(d), "issued", b.find(d, "request-status").text)

    # --- tests ------------------------------------------------------------------------------

    def test_content_security_policy_header(self):
        status, headers, body = b.http_get(b.CONSOLE_URL)
        self.assertEqual(status, 200)
        csp = {k.lower(): v for k, v in headers.items()}.get("content-security-policy", "")
        self.assertIn("default-src 'none'", csp)
        self.assertIn("script-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertIn(b'type="module"', body)

    def test_wizard_with_csr_to_issued_and_download(self):
        key, csr = os.path.join(self.tmp, "csr.key"), os.path.join(self.tmp, "request.csr")
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                "-out", csr, "-subj", "/CN=ignored.example/O=Ignored Inc", "-addext", "subjectAltName=DNS:ignored.example")
        d = self.start_wizard(self.fx["policies"]["automatic"], [self.fx["entities"]["good"]], shots="wizard-csr")
        self.entities_accepted(shots="wizard-csr")
        b.choose(d, "source-csr", "csr")
        b.wait_test(d, "csr-public-key-only")
        b.wait_test(d, "csr-file").send_keys(csr)
        result = b.wait_test(d, "csr-result")
        self.assertIn("EC", b.find(d, "csr-public-key").text)
        self.assertIn("ignored", result.text.lower(), "what the CSR carried beyond its key is listed as discarded")
        b.wait_test(d, "source-ok")
        b.screenshot(d, "wizard-csr-4-source")
        self.review_and_submit(shots="wizard-csr")
        b.screenshot(d, "request-csr-submitted")
        self.wait_issued()
        b.screenshot(d, "request-csr-issued")
        before = b.downloads(d)
        b.click(d, "download-certificate")
        path = b.wait_download(d, ".pem", before=before)
        with open(path, encoding="ascii") as f:
            pem = f.read()
        self.assertIn("-----BEGIN CERTIFICATE-----", pem)
        text = openssl("x509", "-noout", "-text", "-in", path)
        self.assertNotIn("ignored.example", text, "names come from the end entity, not the CSR")
        # The certificate's key is the CSR's.
        self.assertEqual(openssl("x509", "-noout", "-pubkey", "-in", path), openssl("pkey", "-in", key, "-pubout"))
        # The request shows up in the list.
        b.go(d, "/requests")
        b.wait_test(d, "requests-table")

    def test_wizard_with_server_key_to_pkcs12(self):
        d = self.start_wizard(self.fx["policies"]["serverKey"], [self.fx["entities"]["good"]], shots="wizard-server")
        self.entities_accepted()
        b.choose(d, "source-server", "server")
        b.choose(d, "key-type", "ec:P-256")
        b.set_value(d, "key-password", "short")
        b.set_value(d, "key-password-confirm", "short")
        blocked = b.wait_test(d, "next-blocked", visible=False)
        self.assertEqual(b.find(d, "wizard-next").get_attribute("aria-disabled"), "true")
        self.assertIn("12", blocked.get_attribute("textContent"))
        b.set_value(d, "key-password", PASSWORD)
        b.set_value(d, "key-password-confirm", PASSWORD)
        b.wait_text(d, "strong", test_id="password-strength")
        b.wait_test(d, "source-ok")
        b.screenshot(d, "wizard-server-4-source")
        self.review_and_submit(shots="wizard-server")
        self.wait_issued()
        b.wait_test(d, "key-bundle-form")
        b.screenshot(d, "request-server-issued")
        b.select_option(d, "key-bundle-format", "pkcs12")
        b.set_value(d, "key-bundle-password", PASSWORD)
        b.click(d, "key-bundle-ack")
        before = b.downloads(d)
        b.click(d, "key-bundle-download")
        path = b.wait_download(d, ".p12", before=before)
        certs = openssl("pkcs12", "-in", path, "-passin", f"pass:{PASSWORD}", "-nokeys")
        self.assertIn("-----BEGIN CERTIFICATE-----", certs)
        keys = openssl("pkcs12", "-in", path, "-passin", f"pass:{PASSWORD}", "-nocerts", "-nodes")
        self.assertIn("PRIVATE KEY-----", keys)
        # Only once: the page now says the key is gone.
        b.wait_test(d, "key-bundle-status", timeout=30)

    def test_policy_mismatch_shown_before_submission(self):
        mismatch = self.fx["entities"]["mismatch"]
        # The harness's mismatch entity breaks the automatic policy's commonName rule; other data
        # sets may name another policy and attribute.
        policy = self.fx.get("mismatchPolicy", self.fx["policies"]["automatic"])
        attribute = self.fx.get("mismatchAttribute", "commonName")
        d = self.start_wizard(policy, [mismatch])
        violation = b.wait_test(d, "violation")
        card = d.find_element(b.By.CSS_SELECTOR, f'[data-test="entity"][data-entity="{mismatch}"]')
        attr = violation.find_element(b.By.XPATH, "./ancestor::li[@data-attr]")
        self.assertEqual(attr.get_attribute("data-attr"), attribute)
        self.assertTrue(card.find_elements(b.By.CSS_SELECTOR, f'[data-attr="{attribute}"] [data-test="violation"]'),
                        "the violation sits next to the attribute it names")
        self.assertTrue(violation.text.strip())
        b.wait_test(d, "mismatch")
        self.assertEqual(b.find(d, "wizard-next").get_attribute("aria-disabled"), "true")
        b.click(d, "wizard-next")
        self.assertTrue(d.current_url.endswith("/new/3"), "Next is blocked")
        self.assertIn("cannot continue", b.wait_test(d, "next-blocked").text.lower())
        b.screenshot(d, "wizard-mismatch")
        # Unticking the bad entity clears the block.
        b.choose(d, "entity-checkbox", mismatch)  # already ticked: no-op
        d.execute_script("arguments[0].click()", d.find_element(b.By.CSS_SELECTOR, f'[data-test="entity-checkbox"][value="{mismatch}"]'))
        b.wait_gone(d, "violation")

    def test_foreign_realm_request_is_not_found(self):
        foreign = self.fx["foreignRequest"]
        d = self.driver
        b.go(d, f"/realms/{foreign['realm']}/requests/{foreign['id']}")
        b.wait_test(d, "not-found")
        self.assertIn("not found", b.find(d, "page-title").text.lower())
        b.go(d, f"/realms/{self.realm}/requests/00000000-0000-4000-8000-000000000000")
        b.wait_test(d, "not-found")
        b.screenshot(d, "request-not-found")


if __name__ == "__main__":
    unittest.main(verbosity=2)
