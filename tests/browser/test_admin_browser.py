"""End to end in headless Chromium: sign in through the provider, upload, read back."""
from datetime import UTC, datetime, timedelta

import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from backdrop.buckets import new_config
from backdrop.periods import period_start
from backdrop.records import format_datetime

from .pages import assert_accessible, assert_no_csp_violations

pytestmark = pytest.mark.browser


def test_sign_in_upload_and_read_back(browser, live_app, signon, tmp_path):
    base = live_app.url
    config, _ = new_config("visits", {"raw_queries_allowed": True}, live_app.plugins)
    live_app.store.create_bucket(config)
    live_app.store.save_user("ada@example.com", ["visits"])
    this_week = period_start(datetime.now(UTC), "week")
    rows = [(this_week - timedelta(weeks=weeks, hours=-9), f"page-{weeks}-{n}")
            for weeks, count in ((0, 4), (1, 2), (3, 6), (7, 1)) for n in range(count)]
    csv_file = tmp_path / "visits.csv"
    csv_file.write_text(
        "# weekly visits export\n_timestamp,page,comment\n"
        + "".join(f"{format_datetime(moment)},{page},checked\n" for moment, page in rows)
        + "\n",
        encoding="utf-8",
    )
    wait = WebDriverWait(browser, 20)

    # Not signed in: / -> /sign-in -> the provider -> /sign-in/callback -> /
    browser.get(f"{base}/")
    wait.until(expected_conditions.text_to_be_present_in_element(
        (By.CSS_SELECTOR, "p.signed-in"), "Signed in as Ada Lovelace"))
    assert browser.current_url == f"{base}/"
    assert [method_path for method_path in signon.requests] == [
        ("GET", "/oauth/authorize"), ("POST", "/oauth/token"), ("GET", "/user.json"),
    ]

    # Upload the CSV through the form.
    browser.find_element(By.CSS_SELECTOR, "#bucket-visits a.upload-link").click()
    wait.until(expected_conditions.url_to_be(f"{base}/visits/upload"))
    assert_accessible(browser)
    browser.find_element(By.ID, "file").send_keys(str(csv_file))
    browser.find_element(By.ID, "upload").click()
    stored = wait.until(expected_conditions.presence_of_element_located((By.ID, "stored")))
    assert stored.text == f"{len(rows)} records stored in visits."
    assert_accessible(browser)

    # The home page chart now shows the weekly counts; keep a screenshot.
    browser.get(f"{base}/")
    card = "#bucket-visits figure.chart"
    wait.until(expected_conditions.presence_of_element_located(
        (By.CSS_SELECTOR, f"{card}.chart-drawn")))
    bars = browser.find_elements(By.CSS_SELECTOR, f"{card} svg g.mark-rect path")
    assert len(bars) == 12
    heights = [bar.size["height"] for bar in bars]
    assert heights.index(max(heights)) == 8  # the busiest week is the tallest bar
    assert heights[:4] == [0, 0, 0, 0] or max(heights[:4]) < 1
    axes = browser.find_element(By.CSS_SELECTOR, f"{card} svg").text
    assert "Week starting" in axes and "Records" in axes
    # Hovering a bar shows its week and count.
    ActionChains(browser).move_to_element(bars[8]).perform()
    tooltip = wait.until(expected_conditions.visibility_of_element_located(
        (By.ID, "vg-tooltip-element")))
    assert "6" in tooltip.text and "Week of" in tooltip.text
    # The keyboard reaches the same values.
    figure = browser.find_element(By.CSS_SELECTOR, card)
    figure.send_keys(Keys.END)
    readout = browser.find_element(By.CSS_SELECTOR, f"{card} .chart-readout")
    assert readout.text.endswith(": 4 records")
    assert_no_csp_violations(browser)
    assert_accessible(browser)
    browser.get(f"{base}/nothing-here/upload")  # the 404 page
    assert "Page not found" in browser.page_source
    assert_accessible(browser)
    browser.get(f"{base}/")
    wait.until(expected_conditions.presence_of_element_located(
        (By.CSS_SELECTOR, f"{card}.chart-drawn")))
    screenshot = tmp_path / "admin-home.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 1000
    print(f"home page screenshot: {screenshot}")

    # The records are readable through the read API of the same server.
    response = requests.get(f"{base}/visits", params={"sort_by": "_timestamp:ascending"},
                            timeout=10)
    assert response.status_code == 200
    data = response.json()["data"]
    assert [record["page"] for record in data] == [page for _, page in sorted(rows)]
    assert all("comment" not in record for record in data)
    assert data[-1]["_timestamp"] == format_datetime(max(moment for moment, _ in rows))
    weekly = requests.get(f"{base}/visits", params={
        "period": "week", "duration": "1",
        "start_at": format_datetime(this_week),
    }, timeout=10).json()["data"]
    assert weekly[0]["_count"] == 4

    # Signing out ends the session for the browser too.
    browser.get(f"{base}/sign-out")
    assert "You have signed out" in browser.page_source
    assert_accessible(browser)
