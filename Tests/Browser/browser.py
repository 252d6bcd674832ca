"""Shared helpers of the console's browser tests (selenium 4, headless Debian chromium).

Environment (see /tmp/console-contract.md, "Test conventions"):
  CLM_CONSOLE_URL         e.g. http://127.0.0.1:8080/console/
  CLM_BROWSER_SIGN_IN     oidc | development
  CLM_OIDC_MOCK_URL       the oidc-provider-mock base URL (oidc mode)
  CLM_BROWSER_SCREENSHOTS directory for <name>-1280.png / <name>-390.png
  CLM_BROWSER_FIXTURES    JSON file the harness writes (realm, users, policies, entities, ...)
  CLM_BROWSER_REALM       the test realm (also in the fixtures)
"""
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException, StaleElementReferenceException, TimeoutException, WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CONSOLE_URL = os.environ.get("CLM_CONSOLE_URL", "http://127.0.0.1:8080/console/")
SIGN_IN = os.environ.get("CLM_BROWSER_SIGN_IN", "development")
OIDC_MOCK_URL = os.environ.get("CLM_OIDC_MOCK_URL", "").rstrip("/")
SCREENSHOTS = os.environ.get("CLM_BROWSER_SCREENSHOTS", "")
CHROMIUM = os.environ.get("CLM_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CLM_CHROMEDRIVER", "/usr/bin/chromedriver")

WIDE = (1280, 900)
NARROW = (390, 844)
DEFAULT_TIMEOUT = float(os.environ.get("CLM_BROWSER_TIMEOUT", "20"))


def console_url(route="/"):
    """The console URL of a hash route: console_url('/new/1') → http://…/console/#/new/1."""
    base = CONSOLE_URL if CONSOLE_URL.endswith("/") else CONSOLE_URL + "/"
    return base + "#" + (route if route.startswith("/") else "/" + route)


def origin():
    u = urllib.parse.urlparse(CONSOLE_URL)
    return f"{u.scheme}://{u.netloc}"


_fixtures = None


def fixtures():
    """The harness's fixtures (CLM_BROWSER_FIXTURES). Without the file (trying things against the
    demo system) a fallback for the demo realm is built from CLM_BROWSER_DEMO_FIXTURES or defaults."""
    global _fixtures
    if _fixtures is not None:
        return _fixtures
    path = os.environ.get("CLM_BROWSER_FIXTURES")
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            _fixtures = json.load(f)
    else:
        demo = os.environ.get("CLM_BROWSER_DEMO_FIXTURES")
        if demo and os.path.exists(demo):
            with open(demo, encoding="utf-8") as f:
                _fixtures = json.load(f)
        else:
            raise RuntimeError("CLM_BROWSER_FIXTURES is not set or missing: the harness writes it before the tests run")
    realm = os.environ.get("CLM_BROWSER_REALM")
    if realm and not _fixtures.get("realm"):
        _fixtures["realm"] = realm
    return _fixtures


def user(name):
    """A fixture user by role name ('requester', 'approver1', 'admin', …)."""
    return fixtures()["users"][name]


def make_driver(size=WIDE, download_dir=None):
    """A headless chromium at the given window size; downloads go to download_dir (made if None).
    The directory is driver.download_dir; quit_driver() removes it when it was made here."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", "--disable-extensions", "--lang=en-GB",
                f"--window-size={size[0]},{size[1]}"):
        options.add_argument(arg)
    made = download_dir is None
    download_dir = download_dir or tempfile.mkdtemp(prefix="clm-downloads-")
    options.add_experimental_option("prefs", {
        "download.default_directory": download_dir,
        "download.prompt_for_download": False,
        "download.directory_upgrade": True,
        "safebrowsing.enabled": False,
        "intl.accept_languages": "en-GB,en",
    })
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(*size)
    try:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": download_dir})
    except WebDriverException:
        driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": download_dir})
    driver.download_dir = download_dir
    driver.download_dir_made = made
    return driver


def quit_driver(driver):
    path = getattr(driver, "download_dir", None)
    made = getattr(driver, "download_dir_made", False)
    try:
        driver.quit()
    finally:
        if made and path:
            shutil.rmtree(path, ignore_errors=True)


# --- finding and waiting -------------------------------------------------------------------

def sel(test_id):
    return f'[data-test="{test_id}"]'


def find(driver, test_id, root=None):
    return (root or driver).find_element(By.CSS_SELECTOR, sel(test_id))


def find_all(driver, test_id, root=None):
    return (root or driver).find_elements(By.CSS_SELECTOR, sel(test_id))


def wait_for(driver, condition, timeout=DEFAULT_TIMEOUT, message=""):
    """Waits until condition(driver) is truthy (exceptions count as not yet); returns its value."""
    def probe(d):
        try:
            return condition(d)
        except (NoSuchElementException, StaleElementReferenceException):
            return False
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.2).until(probe)
    except TimeoutException:
        raise TimeoutException(f"{message or 'condition'} not met within {timeout}s; at {driver.current_url}; "
                               f"page says: {page_text(driver)[:600]!r}") from None


def wait_test(driver, test_id, timeout=DEFAULT_TIMEOUT, visible=True):
    """The first element with data-test=test_id (displayed, unless visible=False)."""
    def found(d):
        for el in d.find_elements(By.CSS_SELECTOR, sel(test_id)):
            if not visible or el.is_displayed():
                return el
        return False
    return wait_for(driver, found, timeout, f"element [data-test={test_id}]")


def wait_gone(driver, test_id, timeout=DEFAULT_TIMEOUT):
    wait_for(driver, lambda d: not [e for e in d.find_elements(By.CSS_SELECTOR, sel(test_id)) if e.is_displayed()],
             timeout, f"[data-test={test_id}] to disappear")


def wait_text(driver, text, timeout=DEFAULT_TIMEOUT, test_id=None):
    """Waits until the page (or the element test_id) contains text (case-insensitive)."""
    def has(d):
        where = find(d, test_id).text if test_id else page_text(d)
        return text.lower() in where.lower()
    wait_for(driver, has, timeout, f"text {text!r}" + (f" in [data-test={test_id}]" if test_id else ""))


def page_text(driver):
    try:
        return driver.find_element(By.TAG_NAME, "body").text
    except WebDriverException:
        return ""


def click(driver, test_id, timeout=DEFAULT_TIMEOUT):
    el = wait_test(driver, test_id, timeout)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
    el.click()
    return el


def choose(driver, test_id, value, timeout=DEFAULT_TIMEOUT):
    """Clicks the radio/checkbox data-test=test_id whose value is value."""
    def found(d):
        for el in d.find_elements(By.CSS_SELECTOR, f'{sel(test_id)}[value="{value}"]'):
            return el
        return False
    el = wait_for(driver, found, timeout, f"[data-test={test_id}][value={value}]")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
    if not el.is_selected():
        driver.execute_script("arguments[0].click()", el)
    return el


def set_value(driver, test_id, text):
    """Fills an input/textarea (large texts through JS plus an input event, keystrokes otherwise)."""
    el = wait_test(driver, test_id)
    if len(text) > 200:
        driver.execute_script(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
            el, text)
    else:
        el.clear()
        el.send_keys(text)
    return el


def select_option(driver, test_id, value):
    el = wait_test(driver, test_id)
    driver.execute_script(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", el, value)
    return el


def go(driver, route):
    """Opens a hash route of the console (loads the page when not on it yet)."""
    url = console_url(route)
    if driver.current_url.split("#")[0] == url.split("#")[0]:
        driver.execute_script("location.hash = arguments[0]", "#" + route)
    else:
        driver.get(url)


def console_errors(driver):
    """SEVERE browser log entries (script errors, CSP violations) since the last call."""
    try:
        return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    except WebDriverException:
        return []


# --- signing in -----------------------------------------------------------------------------

def _put_claims(subject, claims):
    request = urllib.request.Request(
        f"{OIDC_MOCK_URL}/users/{urllib.parse.quote(subject, safe='')}", data=json.dumps(claims).encode(),
        method="PUT", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status >= 300:
            raise RuntimeError(f"mock IdP answered {response.status} for {subject}")


def sign_in(driver, who, route="/", mode=None):
    """Signs in as who (a fixture user name, or {subject, realms, platformAdmin?}) and waits for the
    shell. mode: 'oidc' (mock IdP: claims PUT, then its authorize form) or 'development'."""
    if isinstance(who, str):
        who = user(who)
    subject, realms = who["subject"], who.get("realms", {})
    mode = mode or SIGN_IN
    driver.get(console_url(route))
    sign_out_quietly(driver)
    driver.get("about:blank")
    driver.get(console_url(route))
    if mode == "oidc":
        if not OIDC_MOCK_URL:
            raise RuntimeError("CLM_OIDC_MOCK_URL is not set")
        claims = {"clm_realms": realms, "email": subject}
        if who.get("platformAdmin"):
            claims["clm_roles"] = ["platform-admin"]
        _put_claims(subject, claims)
        link = wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, f'{sel("sign-in")}, {sel("sign-in-again")}'),
                        message="the Sign in link")
        link.click()
        field = wait_for(driver, lambda d: d.find_element(By.NAME, "sub"), message="the mock IdP's sub field")
        field.clear()
        field.send_keys(subject)
        submit = field.find_element(By.XPATH, "./ancestor::form//*[@type='submit' or self::button]")
        submit.click()
    else:
        wait_test(driver, "dev-signin")
        wait_for(driver, lambda d: find_all(d, "dev-user") or "No preset users" in page_text(d), message="preset users")
        preset = [b for b in find_all(driver, "dev-user")
                  if b.get_attribute("data-subject") == subject and not who.get("custom")]
        if preset and _same_roles(driver, subject, realms):
            preset[0].click()
        else:
            set_value(driver, "dev-subject", subject)
            set_value(driver, "dev-roles", "\n".join(f"{r}: {', '.join(roles)}" for r, roles in realms.items()))
            box = find(driver, "dev-platform-admin")
            if bool(who.get("platformAdmin")) != box.is_selected():
                box.click()
            click(driver, "dev-submit")
    wait_test(driver, "user-subject", timeout=DEFAULT_TIMEOUT + 10, visible=False)
    wait_for(driver, lambda d: find(d, "user-subject").get_attribute("textContent") == subject,
             message=f"signed in as {subject}")
    return driver


_dev_users = None


def _same_roles(driver, subject, realms):
    """Whether the preset development user of that subject has exactly these realm roles."""
    global _dev_users
    if _dev_users is None:
        try:
            with urllib.request.urlopen(origin() + "/console/auth/dev/users", timeout=10) as r:
                _dev_users = json.load(r)
        except Exception:  # noqa: BLE001 - any failure: use the custom form
            _dev_users = []
    for u in _dev_users:
        if u.get("subject") == subject:
            return {k: sorted(v) for k, v in (u.get("realms") or {}).items()} == {k: sorted(v) for k, v in realms.items()}
    return False


def sign_out_quietly(driver):
    """Ends any session of this browser (POST /console/auth/logout), ignoring failures."""
    try:
        if driver.current_url.startswith(origin()):
            driver.execute_script(
                "return fetch('/console/auth/logout', {method: 'POST', headers: {'X-CLM-Console': '1'}})"
                ".then(() => true, () => false)")
        driver.delete_all_cookies()
    except WebDriverException:
        pass


# --- screenshots and downloads --------------------------------------------------------------

def screenshot(driver, name, sizes=(WIDE, NARROW)):
    """Saves $CLM_BROWSER_SCREENSHOTS/<name>-1280.png and -390.png (the whole page), then restores
    the window size. Does nothing without CLM_BROWSER_SCREENSHOTS."""
    if not SCREENSHOTS:
        return []
    os.makedirs(SCREENSHOTS, exist_ok=True)
    before = driver.get_window_size()
    paths = []
    try:
        for width, height in sizes:
            driver.set_window_size(width, height)
            time.sleep(0.3)
            path = os.path.join(SCREENSHOTS, f"{name}-{width}.png")
            overflow = horizontal_overflow(driver)
            if overflow > 0:
                OVERFLOWS.append((name, width, overflow))
                sys.stderr.write(f"screenshot {name}: the page is {overflow}px wider than {width}px\n")
            _full_page_png(driver, path, width, height)
            paths.append(path)
    finally:
        driver.set_window_size(before["width"], before["height"])
        time.sleep(0.2)
    return paths


OVERFLOWS = []


def horizontal_overflow(driver):
    """How many CSS pixels the page is wider than the window (0 when it fits)."""
    return int(driver.execute_script(
        "return Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth)"))


def _full_page_png(driver, path, width, height):
    import base64
    try:
        full = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": max(height, min(int(full), 8000)), "deviceScaleFactor": 1, "mobile": width < 500})
        data = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        with open(path, "wb") as f:
            f.write(base64.b64decode(data["data"]))
    except WebDriverException:
        driver.save_screenshot(path)
    finally:
        try:
            driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        except WebDriverException:
            pass


def downloads(driver):
    """The names in driver.download_dir now (pass to wait_download(before=…))."""
    return set(os.listdir(driver.download_dir))


def wait_download(driver, suffix="", timeout=DEFAULT_TIMEOUT, since=None, before=None):
    """Waits for a finished download in driver.download_dir ending with suffix that is not in
    before (a downloads() snapshot) and not older than since (a time.time() value); its path."""
    directory = driver.download_dir
    before = before if before is not None else set()

    def done(_):
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name)
            if name in before or name.endswith((".crdownload", ".tmp")) or not name.endswith(suffix):
                continue
            if since is not None and os.path.getmtime(path) < since - 0.5:
                continue
            if os.path.getsize(path) > 0:
                return path
        return False
    return wait_for(driver, done, timeout, f"a download ending in {suffix!r} in {directory}")


def http_get(path_or_url, headers=None):
    """(status, headers, body) of a plain GET, following no redirects' bodies."""
    url = path_or_url if "://" in path_or_url else origin() + path_or_url
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
