"""What every browser test checks on a page: no CSP violation, no axe-core finding."""
from pathlib import Path

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
SERIOUS = ("serious", "critical")


def console_errors(browser):
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def assert_no_csp_violations(browser):
    """The page ran under its Content-Security-Policy without a refusal (nor any error)."""
    errors = [message for message in console_errors(browser) if "favicon" not in message]
    assert errors == []


def assert_accessible(browser):
    """axe-core (vendored from npm, tests/browser/vendor) finds nothing serious or critical."""
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    results = browser.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document).then(function (r) { done(r.violations.map(function (v) {"
        "  return {id: v.id, impact: v.impact, help: v.help,"
        "          nodes: v.nodes.map(function (n) { return n.target.join(' '); })}; })); });"
    )
    print("axe-core:", [(v["id"], v["impact"]) for v in results] or "no violations")
    serious = [violation for violation in results if violation["impact"] in SERIOUS]
    assert serious == [], serious
