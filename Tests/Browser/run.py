"""Entry point of the console's browser tests: fixtures, then every Tests/Browser/test_*.py.

`make test` runs this through ConsoleBrowserTests (Tests/IntegrationTests/Console), which
starts the stack, the console, the edge and the OpenID provider mock, and passes:
`CLM_CONSOLE_URL`, `CLM_BROWSER_SIGN_IN`, `CLM_OIDC_MOCK_URL`, `CLM_BROWSER_SCREENSHOTS`,
`CLM_BROWSER_FIXTURES` (the python tests' contract), and `CLM_API_URL`, `CLM_BROWSER_MAIL`
(for fixtures.py), `CLM_BROWSER_SUMMARY` (where the counts go as JSON). Optional:
`CLM_BROWSER_TESTS`, test names separated by spaces or commas (`test_requester`,
`test_admin.AdminTests.test_members`) to run only those.

Steps: fixtures.py creates the realms and writes the fixtures file (and `CLM_BROWSER_REALM` is
set from it), then unittest runs the tests (verbose), then a summary: tests run, failures,
errors, skipped, screenshots. Exit status 0 only when at least one test ran and all passed.
"""

import json
import os
import signal
import sys
import time
import unittest

import fixtures  # next to this file, so on sys.path when run as a script

HERE = os.path.dirname(os.path.abspath(__file__))


def screenshot_count(directory):
    if not directory or not os.path.isdir(directory):
        return 0
    return len([name for name in os.listdir(directory) if name.endswith(".png")])


def write_summary(summary):
    path = os.environ.get("CLM_BROWSER_SUMMARY")
    if not path:
        return
    with open(path + ".part", "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2)
    os.replace(path + ".part", path)


def load_tests(loader):
    """The selected tests (CLM_BROWSER_TESTS) or every test_*.py here; None when there are none."""
    names = [name for name in os.environ.get("CLM_BROWSER_TESTS", "").replace(",", " ").split() if name]
    if names:
        return loader.loadTestsFromNames(names)
    files = sorted(name for name in os.listdir(HERE) if name.startswith("test_") and name.endswith(".py"))
    if not files:
        return None
    return loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)


def main():
    # A group of our own: chromedriver and chromium join it, and the harness stops the whole
    # group when the run takes too long (or leaves a browser behind).
    try:
        os.setsid()
    except OSError:
        pass  # already a group leader
    # The harness stops the run with SIGTERM; the test process may have started us with it
    # blocked (its thread's mask is inherited), and the browsers inherit ours.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    started = time.monotonic()
    screenshots = os.environ.get("CLM_BROWSER_SCREENSHOTS", "")
    if screenshots:
        os.makedirs(screenshots, exist_ok=True)
    summary = {"phase": "fixtures", "testsRun": 0, "failures": 0, "errors": 0, "skipped": 0, "failed": []}

    print("=== fixtures", flush=True)
    status = fixtures.main()
    if status != 0:
        summary["screenshots"] = screenshot_count(screenshots)
        write_summary(summary)
        print(f"=== browser tests not run: the fixtures failed (exit {status})", flush=True)
        return 1
    with open(os.environ["CLM_BROWSER_FIXTURES"], encoding="utf-8") as f:
        os.environ["CLM_BROWSER_REALM"] = json.load(f)["realm"]

    summary["phase"] = "tests"
    loader = unittest.TestLoader()
    suite = load_tests(loader)
    if suite is None:
        summary["screenshots"] = screenshot_count(screenshots)
        write_summary(summary)
        print(f"=== no browser tests: no test_*.py in {HERE} (the console's page tests are missing)", flush=True)
        return 1
    print(f"=== browser tests: {suite.countTestCases()} found", flush=True)
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)

    summary.update(
        testsRun=result.testsRun,
        failures=len(result.failures),
        errors=len(result.errors),
        skipped=len(result.skipped),
        unexpectedSuccesses=len(result.unexpectedSuccesses),
        failed=[test.id() for test, _ in result.failures + result.errors],
        screenshots=screenshot_count(screenshots),
        seconds=round(time.monotonic() - started, 1),
    )
    summary["phase"] = "done"
    write_summary(summary)
    print(
        f"=== browser tests: {result.testsRun} run, {len(result.failures)} failures, {len(result.errors)} errors, "
        f"{len(result.skipped)} skipped; {summary['screenshots']} screenshots in {screenshots or '(not kept)'} "
        f"({summary['seconds']}s)",
        flush=True,
    )
    for name in summary["failed"]:
        print(f"=== failed: {name}", flush=True)
    return 0 if result.testsRun > 0 and result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
