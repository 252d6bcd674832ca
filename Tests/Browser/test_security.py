"""The console's security properties, seen from a real browser: no request to any host but CLM's
own once signed in, the Content-Security-Policy on every response, no token where a script can
read it, the CSRF guard on the API proxy, and sign-out ending the session."""
import json
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

import browser

ROUTES = ["/", "/new", "/requests", "/certificates", "/approvals"]


def make_logging_driver():
    """Like browser.make_driver, with Chrome's network events recorded (performance log)."""
    options = webdriver.ChromeOptions()
    options.binary_location = browser.CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
                "--window-size=1280,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(service=Service(browser.CHROMEDRIVER), options=options)


def network_events(driver):
    """(url, response headers or None) of every request and response since the last call."""
    events = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            events.append((message["params"]["request"]["url"], None))
        elif message["method"] == "Network.responseReceived":
            response = message["params"]["response"]
            events.append((response["url"], {k.lower(): v for k, v in response["headers"].items()}))
    return events


class ConsoleSecurityTests(unittest.TestCase):
    def setUp(self):
        self.driver = make_logging_driver()

    def tearDown(self):
        self.driver.quit()

    def test_only_clm_is_contacted_and_every_response_has_the_policy(self):
        driver = self.driver
        browser.sign_in(driver, "requester")
        network_events(driver)  # drop the sign-in's own traffic (the identity provider's pages)
        driver.get_log("browser")  # and its messages (the 401 of /console/session before it)
        events = []
        for route in ROUTES:
            # A full load of each page: the document, its modules and styles, the session, its data.
            driver.get("about:blank")
            driver.get(browser.console_url(route))
            browser.wait_test(driver, "user-subject", visible=False)
            seen = []
            browser.wait_for(driver, lambda d: seen.extend(network_events(d)) or any(
                "/console/api/v1/" in url for url, _ in seen), message=f"the API calls of {route}")
            time.sleep(0.5)
            events += seen + network_events(driver)
        origin = browser.origin()
        requested = [url for url, headers in events if headers is None]
        self.assertGreater(len(requested), len(ROUTES), "the pages made requests")
        foreign = [url for url in requested
                   if not (url.startswith(origin + "/") or url.split(":", 1)[0] in ("data", "blob", "about"))]
        self.assertEqual(foreign, [], "requests to a host other than CLM's")
        console_responses = [(url, headers) for url, headers in events
                             if headers is not None and url.startswith(origin + "/console/")]
        self.assertTrue(console_responses)
        for url, headers in console_responses:
            policy = headers.get("content-security-policy", "")
            self.assertIn("default-src 'none'", policy, url)
            self.assertIn("script-src 'self'", policy, url)
            self.assertNotIn("unsafe-inline", policy, url)
            self.assertEqual(headers.get("x-content-type-options"), "nosniff", url)
        self.assertEqual(browser.console_errors(driver), [], "no CSP violation or script error in the console")

    def test_no_token_is_readable_by_scripts(self):
        driver = self.driver
        browser.sign_in(driver, "requester")
        self.assertNotIn("clm_console", driver.execute_script("return document.cookie"))
        storage = driver.execute_script(
            "return JSON.stringify([Object.keys(localStorage), Object.keys(sessionStorage)])")
        self.assertEqual(json.loads(storage), [[], []])
        session = driver.execute_script(
            "return fetch('/console/session').then(r => r.text())")
        self.assertNotIn("eyJ", session, "the session view carries no JWT")
        cookies = {c["name"]: c for c in driver.get_cookies()}
        self.assertTrue(cookies["clm_console"]["httpOnly"])
        self.assertEqual(cookies["clm_console"]["sameSite"], "Lax")

    def test_the_proxy_refuses_requests_without_the_console_header(self):
        driver = self.driver
        browser.sign_in(driver, "requester")
        cookie = next(c for c in driver.get_cookies() if c["name"] == "clm_console")["value"]
        url = browser.origin() + "/console/api/v1/realms"

        def call(headers):
            request = urllib.request.Request(url, headers={"Cookie": f"clm_console={cookie}", **headers})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.status, response.read()
            except urllib.error.HTTPError as error:
                return error.code, error.read()

        status, body = call({})
        self.assertEqual(status, 403, body)
        self.assertIn(b"console-header-missing", body)
        status, body = call({"X-CLM-Console": "1"})
        self.assertEqual(status, 200, body)
        realms = [r["realm"] for r in json.loads(body)]
        self.assertIn(browser.fixtures()["realm"], realms)
        self.assertNotIn(browser.fixtures()["foreignRealm"], realms, "a foreign realm is not listed")

    def test_a_session_that_ends_mid_work_signs_in_again_to_the_same_page(self):
        if browser.SIGN_IN != "oidc":
            self.skipTest("needs the OpenID provider (the harness runs with it)")
        driver = self.driver
        browser.sign_in(driver, "requester", route="/requests")
        # The console forgets the session (as after its lifetime, its token's expiry or a
        # restart): the browser still sends the old id.
        driver.execute_cdp_cmd("Network.setCookie", {
            "name": "clm_console", "value": "ended-session", "url": browser.origin() + "/console/",
            "path": "/console", "httpOnly": True, "sameSite": "Lax"})
        browser.go(driver, "/certificates")
        browser.wait_test(driver, "session-expired")
        self.assertIn("expired", browser.page_text(driver).lower())
        browser.click(driver, "sign-in-again")
        field = browser.wait_for(driver, lambda d: d.find_element("name", "sub"), message="the provider's form")
        field.clear()
        field.send_keys(browser.user("requester")["subject"])
        field.find_element("xpath", "./ancestor::form//*[@type='submit' or self::button]").click()
        browser.wait_test(driver, "user-subject", visible=False)
        browser.wait_for(driver, lambda d: d.current_url.endswith("#/certificates"),
                         message="back on the page the person was on")

    def test_sign_out_ends_the_session(self):
        driver = self.driver
        browser.sign_in(driver, "requester")
        cookie = next(c for c in driver.get_cookies() if c["name"] == "clm_console")["value"]
        browser.click(driver, "sign-out")
        browser.wait_for(driver, lambda d: not any(c["name"] == "clm_console" for c in d.get_cookies()),
                         message="the session cookie is cleared")
        request = urllib.request.Request(browser.origin() + "/console/session",
                                         headers={"Cookie": f"clm_console={cookie}"})
        with self.assertRaises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(request, timeout=10)
        self.assertEqual(raised.exception.code, 401, "the old session id is worthless after sign-out")


if __name__ == "__main__":
    unittest.main()
