"""An admin in headless Chromium: create a bucket, copy its token, write, rotate, refuse."""
import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from .pages import assert_accessible, assert_no_csp_violations

pytestmark = pytest.mark.browser


def _write(base, token):
    return requests.post(f"{base}/sales", json=[{"_timestamp": "2024-01-01T00:00:00Z", "n": 1}],
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)


def _clipboard(browser):
    return browser.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "navigator.clipboard.readText().then(done, function (e) { done('refused: ' + e); });")


def test_admin_creates_copies_writes_rotates(browser, live_app, signon, tmp_path):
    base = live_app.url
    signon.user["permissions"] = ["signin", "admin"]
    browser.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": base, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    wait = WebDriverWait(browser, 20)
    browser.get(f"{base}/_admin/buckets")  # via Signon, and back here
    wait.until(expected_conditions.presence_of_element_located((By.ID, "new-bucket")))
    assert browser.current_url == f"{base}/_admin/buckets"
    assert_accessible(browser)
    browser.save_screenshot(str(tmp_path / "buckets-empty.png"))

    browser.find_element(By.ID, "new-bucket").click()
    browser.find_element(By.ID, "name").send_keys("sales")
    browser.find_element(By.ID, "raw_queries_allowed").click()
    assert_accessible(browser)
    browser.find_element(By.ID, "create").click()
    token_input = wait.until(expected_conditions.presence_of_element_located((By.ID, "token")))
    token = token_input.get_attribute("value")
    browser.find_element(By.CSS_SELECTOR, "button[data-copy=token]").click()
    wait.until(expected_conditions.text_to_be_present_in_element(
        (By.CSS_SELECTOR, "button[data-copy=token]"), "Copied"))
    assert _clipboard(browser) == token
    assert_accessible(browser)
    browser.save_screenshot(str(tmp_path / "token.png"))

    assert _write(base, token).status_code == 200
    browser.get(f"{base}/_admin/buckets")
    count = browser.find_element(By.CSS_SELECTOR, "#row-sales td.count").text
    assert count == "1"

    browser.get(f"{base}/_admin/buckets/sales")
    assert_accessible(browser)
    browser.save_screenshot(str(tmp_path / "bucket.png"))
    browser.find_element(By.ID, "rotate").click()
    new = wait.until(expected_conditions.presence_of_element_located((By.ID, "token")))
    new_token = new.get_attribute("value")
    assert new_token != token
    refused = _write(base, token)
    assert refused.status_code == 401 and refused.json()["status"] == "error"
    assert _write(base, new_token).status_code == 200
    assert_no_csp_violations(browser)

    browser.get(f"{base}/_admin/users")
    assert_accessible(browser)
    browser.save_screenshot(str(tmp_path / "users.png"))

    # At 375 px wide nothing spills sideways.
    browser.set_window_size(375, 812)
    for path in ("/", "/_admin/buckets", "/_admin/new-bucket", "/_admin/buckets/sales",
                 "/_admin/users"):
        browser.get(base + path)
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 375, path
        assert_accessible(browser)
    browser.save_screenshot(str(tmp_path / "users-375.png"))
