"""Approver pages: the inbox, four-eyes approval by two approvers in their own browser sessions,
the requester never offered a vote on their own request, a decline whose reason the requester
reads on the request page, and e-mail verification through the approval service's link page.

Requests are submitted in the requester's own browser session through the console's API proxy
(`/console/api/v1/realms/{realm}/requests`, session cookie + `X-CLM-Console: 1`), exactly the
call the wizard makes; the wizard itself is test_requester's subject.
"""
import email
import email.policy
import glob
import os
import time
import unittest
import uuid

from selenium.webdriver.common.by import By

import browser as b
from fixtures import make_csr

SUBMIT_JS = """
const [realm, body, done] = arguments;
const attempt = (left) => fetch(`/console/api/v1/realms/${encodeURIComponent(realm)}/requests`, {
  method: 'POST', credentials: 'same-origin',
  headers: {'X-CLM-Console': '1', 'Content-Type': 'application/json', 'Accept': 'application/json',
            'Idempotency-Key': body.key},
  body: JSON.stringify(body.request)})
  .then(async (r) => {
    const answer = await r.json().catch(() => ({}));
    const later = ['unknown-policy', 'unknown-policy-version', 'unknown-end-entity', 'not-found', 'unknown-realm'];
    if (r.status !== 202 && later.includes(answer.code) && left > 0) {
      await new Promise((ok) => setTimeout(ok, 500));
      return attempt(left - 1);
    }
    return {status: r.status, answer};
  });
attempt(60).then(done, (e) => done({status: 0, answer: String(e)}));
"""

VOTE_JS = """
const [realm, id, kind, body, done] = arguments;
fetch(`/console/api/v1/realms/${encodeURIComponent(realm)}/approvals/${id}/${kind}`, {
  method: 'POST', credentials: 'same-origin',
  headers: {'X-CLM-Console': '1', 'Content-Type': 'application/json', 'Accept': 'application/json'},
  body: JSON.stringify(body)})
  .then(async (r) => done({status: r.status, answer: await r.json().catch(() => ({}))}), (e) => done({status: 0, answer: String(e)}));
"""


class ApproverTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fx = b.fixtures()
        cls.realm = cls.fx["realm"]
        cls.four_eyes = cls.fx["policies"]["fourEyes"]
        cls.email_policy = cls.fx["policies"]["email"]
        cls.good = cls.fx["entities"]["good"]
        cls.person = cls.fx["entities"]["person"]

    # --- helpers -----------------------------------------------------------------------------

    def browser_as(self, who):
        driver = b.make_driver()
        self.addCleanup(b.quit_driver, driver)
        b.sign_in(driver, who)
        return driver

    def submit(self, driver, policy, entity):
        """Submits in this browser's session; returns the request id."""
        driver.set_script_timeout(60)
        body = {"key": str(uuid.uuid4()), "request": {"policy": policy, "entities": [entity], "csr": make_csr()}}
        result = driver.execute_async_script(SUBMIT_JS, self.realm, body)
        self.assertEqual(result["status"], 202, f"submit {policy}/{entity}: {result}")
        return result["answer"]["id"]

    def open_until(self, driver, route, test_id, condition=None, timeout=60):
        """Opens route again and again (the approval service learns of a request over Kafka) until
        an element data-test=test_id shows (and condition(element) holds); returns it."""
        deadline = time.monotonic() + timeout
        attempt = 0
        while True:
            attempt += 1
            b.go(driver, f"{route}{'&' if '?' in route else '?'}try={attempt}")
            try:
                el = b.wait_test(driver, test_id, timeout=5)
                if condition is None or condition(el):
                    return el
            except Exception:  # noqa: BLE001 - not there yet
                pass
            if time.monotonic() > deadline:
                self.fail(f"{test_id} at {route} not as expected within {timeout}s; page: {b.page_text(driver)[:800]!r}")
            time.sleep(1)

    def inbox_item(self, driver, request_id):
        def item(d):
            for el in b.find_all(d, "approval-item"):
                if (el.get_attribute("data-request") or "").lower() == request_id.lower():
                    return el
            return False
        deadline = time.monotonic() + 60
        attempt = 0
        while True:
            attempt += 1
            b.go(driver, f"/approvals?try={attempt}")
            try:
                b.wait_test(driver, "approvals-count", timeout=10)
                found = item(driver)
                if found:
                    return found
            except Exception:  # noqa: BLE001
                pass
            if time.monotonic() > deadline:
                self.fail(f"request {request_id} not in the inbox; page: {b.page_text(driver)[:800]!r}")
            time.sleep(1)

    def detail_route(self, request_id):
        return f"/realms/{self.realm}/approvals/{request_id}"

    def request_route(self, request_id):
        return f"/realms/{self.realm}/requests/{request_id}"

    def wait_request_text(self, driver, request_id, text, timeout=90):
        deadline = time.monotonic() + timeout
        attempt = 0
        while True:
            attempt += 1
            b.go(driver, f"{self.request_route(request_id)}?try={attempt}")
            try:
                b.wait_text(driver, text, timeout=6)
                return
            except Exception:  # noqa: BLE001
                if time.monotonic() > deadline:
                    self.fail(f"request page never said {text!r}: {b.page_text(driver)[:800]!r}")

    def assertNoConsoleErrors(self, driver):
        # Answers with an error status are logged by the browser too; script errors and CSP
        # violations are what count here.
        errors = [e for e in b.console_errors(driver) if "Failed to load resource" not in e]
        self.assertEqual(errors, [], "browser console errors")

    # --- tests -------------------------------------------------------------------------------

    def test_four_eyes_two_approvers_issue(self):
        requester = self.browser_as("requester")
        request_id = self.submit(requester, self.four_eyes, self.good)

        first = self.browser_as("approver1")
        item = self.inbox_item(first, request_id)
        text = item.text
        self.assertIn("0 of 2 approvals", text)
        self.assertIn(b.user("requester")["subject"], text)
        self.assertIn(f"{self.four_eyes} v", text)
        self.assertIn("Submitted", text)
        b.screenshot(first, "approvals-inbox")

        item.find_element(By.CSS_SELECTOR, b.sel("approval-link")).click()
        b.wait_test(first, "approve")
        facts = b.find(first, "approval-facts").text
        self.assertIn("Key", facts)
        self.assertIn("Expires", facts)
        b.screenshot(first, "approval-detail")
        b.click(first, "approve")
        b.wait_text(first, "1 of 2 approvals", test_id="vote-result")
        self.assertIn(b.user("approver1")["subject"], b.find(first, "approval-progress").text)
        # One approver counts once: the button is gone or disabled for the one who approved.
        self.assertFalse(b.find(first, "approve").is_enabled())
        self.assertNoConsoleErrors(first)

        second = self.browser_as("approver2")
        self.open_until(second, self.detail_route(request_id), "approve")
        self.assertIn("1 of 2 approvals", b.find(second, "approval-progress").text)
        b.click(second, "approve")
        b.wait_text(second, "has all its approvals", test_id="vote-result")
        b.screenshot(second, "approval-approved")

        self.wait_request_text(requester, request_id, "Issued")

    def test_requester_who_is_approver_gets_no_vote_on_own_request(self):
        admin = self.browser_as("admin")
        request_id = self.submit(admin, self.four_eyes, self.good)
        item = self.inbox_item(admin, request_id)
        self.assertIn("(you)", item.text)
        b.find(admin, "own-request-note", root=item)
        self.assertEqual(b.find_all(admin, "approve", root=item), [])
        self.open_until(admin, self.detail_route(request_id), "own-request")
        self.assertEqual([e for e in b.find_all(admin, "approve") if e.is_displayed()], [])
        self.assertEqual([e for e in b.find_all(admin, "decline") if e.is_displayed()], [])
        b.screenshot(admin, "approval-own-request")
        # The API refuses it as well, with a reason a person can read.
        admin.set_script_timeout(30)
        answer = admin.execute_async_script(VOTE_JS, self.realm, request_id, "approve", {})
        self.assertEqual(answer["status"], 403, answer)
        self.assertIn("cannot approve their own request", answer["answer"].get("detail", ""))

    def test_decline_needs_a_reason_and_the_requester_reads_it(self):
        requester = self.browser_as("requester")
        request_id = self.submit(requester, self.four_eyes, self.good)

        approver = self.browser_as("approver1")
        self.open_until(approver, self.detail_route(request_id), "decline")
        b.click(approver, "decline")  # empty reason: refused in the page, nothing sent
        b.wait_text(approver, "Say why you decline", test_id="decline-form")
        self.assertEqual(b.find(approver, "decline-reason").get_attribute("aria-invalid"), "true")
        self.assertIn("0 of 2 approvals", b.find(approver, "approval-progress").text)
        b.screenshot(approver, "approval-decline-empty")
        reason = "The host name is not in the CMDB; register it first"
        b.set_value(approver, "decline-reason", reason)
        b.click(approver, "decline")
        b.wait_test(approver, "vote-result")
        b.wait_text(approver, reason, test_id="approval-reason")
        self.assertIn("no longer waiting", b.find(approver, "decided").text)

        self.wait_request_text(requester, request_id, reason)
        self.assertIn("declined", b.page_text(requester).lower())
        b.screenshot(requester, "request-declined")

    def test_email_verification_link(self):
        mail_directory = self.fx["mailDirectory"]
        requester = self.browser_as("requester")
        request_id = self.submit(requester, self.email_policy, self.person)
        link = self.verification_link(mail_directory, request_id)

        viewer = b.make_driver()
        self.addCleanup(b.quit_driver, viewer)
        viewer.get(link)
        b.wait_text(viewer, "Certificate request")
        page = b.page_text(viewer)
        self.assertIn(self.realm, page)
        self.assertIn(self.email_policy, page)
        self.assertIn(b.user("requester")["subject"], page)
        b.screenshot(viewer, "verification-link")
        viewer.find_element(By.CSS_SELECTOR, "form button[type=submit], form [type=submit]").click()
        b.wait_text(viewer, "Confirmed")
        b.screenshot(viewer, "verification-confirmed")

        self.wait_request_text(requester, request_id, "Issued")

    def verification_link(self, directory, request_id, timeout=60):
        """The /v1/verify/ link of the mail about request_id (by its Message-ID), else the newest."""
        deadline = time.monotonic() + timeout
        while True:
            newest = None
            # <n>.eml files from the harness; a maildir's new/ and cur/ files locally.
            paths = [p for p in glob.glob(os.path.join(directory, "**", "*"), recursive=True) if os.path.isfile(p)]
            for path in sorted(paths, key=os.path.getmtime):
                with open(path, "rb") as f:
                    message = email.message_from_bytes(f.read(), policy=email.policy.default)
                part = message.get_body(preferencelist=("plain",))
                body = part.get_content() if part else ""
                lines = [line.strip() for line in body.splitlines() if "/v1/verify/" in line]
                if not lines:
                    continue
                if request_id.lower() in (message.get("Message-ID") or "").lower() or request_id.lower() in body.lower():
                    return lines[0]
                newest = lines[0]
            if time.monotonic() > deadline:
                if newest:
                    return newest
                self.fail(f"no mail with a /v1/verify/ link in {directory}")
            time.sleep(1)


if __name__ == "__main__":
    unittest.main()
