"""Realm administration: policy versions (JSON upload, the form, a refused value shown at its
field, the side-by-side diff of two versions), end entities, members and roles, the audit
trails verified in the browser, and the message for someone without the realm-admin role.

Each test makes its own policy / entity / member (random names), so the shared fixture policies
the other tests submit under never change.
"""
import json
import time
import unittest
import uuid

from selenium.webdriver.common.by import By

import browser as b


class AdminTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fx = b.fixtures()
        cls.realm = cls.fx["realm"]
        cls.driver = b.make_driver()
        b.sign_in(cls.driver, "admin")

    @classmethod
    def tearDownClass(cls):
        b.quit_driver(cls.driver)

    def admin(self, section):
        return f"/realms/{self.realm}/admin/{section}"

    def field_error(self, test_id):
        """The error text shown at the field wrapping the input data-test=test_id."""
        el = b.find(self.driver, test_id)
        described = (el.get_attribute("aria-describedby") or "").split()
        texts = [self.driver.find_element(By.ID, i).text for i in described if i.endswith("-error")]
        return " ".join(t for t in texts if t)

    def create_policy_from_json(self, policy_id):
        d = self.driver
        b.go(d, f"/realms/{self.realm}/admin/new-policy")
        panel = b.wait_test(d, "policy-json-panel")
        panel.find_element(By.TAG_NAME, "summary").click()
        document = {
            "id": policy_id, "displayName": "Browser test policy", "ca": "default",
            "keyTemplate": {"rsaBits": [3072], "ecCurves": ["P-256"], "eddsa": []},
            "validity": {"defaultDays": 90, "maxDays": 397},
            "profile": {"keyUsage": ["digitalSignature"], "extendedKeyUsage": ["serverAuth"]},
            "approval": {"mode": "automatic"},
        }
        b.set_value(d, "policy-json", json.dumps(document, indent=2))
        b.click(d, "save-policy-json")
        b.wait_text(d, f"Created policy {policy_id} (version 1)", test_id="flash")

    def test_policy_versions_form_error_and_diff(self):
        d = self.driver
        policy_id = f"browser-{uuid.uuid4().hex[:6]}"
        b.go(d, self.admin("policies"))
        b.wait_test(d, "policy-table")
        b.screenshot(d, "admin-policies")
        self.create_policy_from_json(policy_id)
        self.assertEqual(len(b.find_all(d, "version-row")), 1)

        # A new version from the form; first a value the registry refuses, shown at its field.
        b.click(d, "create-version")
        b.wait_test(d, "policy-form")
        b.set_value(d, "policy-max-days", "5000")
        b.click(d, "save-policy")
        b.wait_test(d, "policy-problem")
        b.wait_for(d, lambda _: b.find(d, "policy-max-days").get_attribute("aria-invalid") == "true",
                   message="the maximum validity marked invalid")
        self.assertTrue(self.field_error("policy-max-days"), "no error text at the field")
        b.screenshot(d, "admin-policy-field-error")

        b.set_value(d, "policy-max-days", "200")
        b.set_value(d, "policy-default-days", "30")
        b.select_option(d, "policy-approval-mode", "manual")
        b.set_value(d, "policy-approvers", "2")
        rules = b.find(d, "policy-rules")
        if not rules.get_attribute("open"):
            rules.find_element(By.TAG_NAME, "summary").click()
        b.select_option(d, "rule-commonName-presence", "required")
        b.set_value(d, "rule-commonName-pattern", "[a-z0-9.-]+")
        b.click(d, "review-changes")
        b.wait_test(d, "policy-diff")
        b.click(d, "save-policy")
        b.wait_text(d, f"Saved version 2 of {policy_id}", test_id="flash")
        rows = b.find_all(d, "version-row")
        self.assertEqual([r.get_attribute("data-version") for r in rows], ["2", "1"])
        self.assertIn("200", b.find(d, "version-json").text)

        # The diff of v1 and v2: removed lines left, added lines right.
        b.click(d, "diff-previous")
        b.wait_test(d, "policy-diff")
        removed = " ".join(e.text for e in b.find_all(d, "diff-removed"))
        added = " ".join(e.text for e in b.find_all(d, "diff-added"))
        self.assertIn('"maxDays": 397', removed)
        self.assertIn('"maxDays": 200', added)
        self.assertIn('"mode": "manual"', added)
        self.assertIn('"approvers": 2', added)
        self.assertIn('"pattern": "[a-z0-9.-]+"', added)
        self.assertNotIn('"id"', removed + added)
        b.screenshot(d, "admin-policy-diff")

        # An older version stays viewable as it was.
        b.go(d, f"/realms/{self.realm}/admin/policies/{policy_id}/versions/1")
        b.wait_for(d, lambda _: b.find(d, "version-view").get_attribute("data-version") == "1")
        self.assertIn('"maxDays": 397', b.find(d, "version-json").text)

    def test_end_entity_form(self):
        d = self.driver
        entity_id = f"host-{uuid.uuid4().hex[:6]}"
        b.go(d, self.admin("entities"))
        b.wait_test(d, "entity-table")
        b.screenshot(d, "admin-entities")
        b.click(d, "new-entity")
        b.set_value(d, "entity-id", entity_id)
        b.set_value(d, "entity-commonName", f"{entity_id}.example.test")
        b.set_value(d, "entity-dnsNames", "not a dns name")
        b.click(d, "save-entity")
        b.wait_for(d, lambda _: b.find(d, "entity-dnsNames").get_attribute("aria-invalid") == "true",
                   message="the DNS names marked invalid")
        self.assertIn("not a DNS name", self.field_error("entity-dnsNames"))
        b.set_value(d, "entity-dnsNames", f"{entity_id}.example.test")
        b.click(d, "save-entity")
        b.wait_text(d, f"Created end entity {entity_id}", test_id="flash")
        self.assertIn(f"{entity_id}.example.test", b.find(d, "entity-view").text)

    def test_members_and_roles(self):
        d = self.driver
        subject = f"member-{uuid.uuid4().hex[:6]}@example.test"
        b.go(d, self.admin("members"))
        b.wait_test(d, "add-member-form")
        b.set_value(d, "new-member-subject", subject)
        b.click(d, "new-member-role-auditor")
        b.click(d, "add-member")
        b.wait_test(d, "member-saved")

        def row(_):
            for r in b.find_all(d, "member-row"):
                if r.get_attribute("data-subject") == subject:
                    return r
            return False
        found = b.wait_for(d, row, message=f"a row for {subject}")
        self.assertTrue(b.find(d, "member-role-auditor", root=found).is_selected())
        b.screenshot(d, "admin-members")
        b.find(d, "member-role-approver", root=found).click()
        b.find(d, "member-save", root=found).click()
        b.wait_text(d, "approver", test_id="member-saved")
        found = b.wait_for(d, row)
        self.assertTrue(b.find(d, "member-role-approver", root=found).is_selected())
        remove = b.find(d, "member-remove", root=found)
        remove.click()
        self.assertIn("Really remove", remove.text)
        remove.click()
        b.wait_test(d, "member-removed")
        b.wait_for(d, lambda _: not row(_), message=f"{subject} removed")

    def test_audit_trails_verify_intact(self):
        d = self.driver
        b.go(d, self.admin("audit"))
        b.wait_test(d, "chain-summary")

        def settled(_):
            items = b.find_all(d, "chain-status")
            states = [i.get_attribute("data-intact") for i in items]
            return len(items) == 5 and all(s is not None for s in states) and states
        states = b.wait_for(d, settled, timeout=60, message="all five chains verified")
        by_service = {i.get_attribute("data-service"): i for i in b.find_all(d, "chain-status")}
        self.assertEqual(sorted(by_service), sorted(["registry", "intake", "approval", "keygen", "ca-gateway"]))
        self.assertEqual(states, ["true"] * 5, [i.text for i in by_service.values()])
        self.assertIn("chain intact", by_service["registry"].text)
        self.assertRegex(by_service["registry"].text, r"chain intact: \d+ records")
        b.screenshot(d, "admin-audit")

    def test_without_realm_admin_role(self):
        other = b.make_driver()
        self.addCleanup(b.quit_driver, other)
        b.sign_in(other, "requester")
        b.go(other, self.admin("policies"))
        note = b.wait_test(other, "needs-realm-admin")
        self.assertIn("You need the realm-admin role", note.text)
        self.assertEqual(b.find_all(other, "policy-table"), [])
        b.screenshot(other, "admin-needs-role")


if __name__ == "__main__":
    unittest.main()
