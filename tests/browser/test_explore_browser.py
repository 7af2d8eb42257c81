"""The explorer in headless Chromium on the demo bucket: build a query, read the chart."""
import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from backdrop.cli.demo import create_demo

from .pages import assert_accessible, assert_no_csp_violations

pytestmark = pytest.mark.browser


def _session(browser):
    session = requests.Session()
    for cookie in browser.get_cookies():
        session.cookies.set(cookie["name"], cookie["value"])
    return session


def test_explore_the_demo_bucket(browser, live_app, tmp_path):
    base = live_app.url
    create_demo(live_app.store, live_app.plugins, "ada@example.com")
    wait = WebDriverWait(browser, 20)
    browser.get(f"{base}/")  # signs in through the test provider
    wait.until(expected_conditions.presence_of_element_located(
        (By.CSS_SELECTOR, "#bucket-demo figure.chart.chart-drawn")))
    assert_accessible(browser)
    browser.save_screenshot(str(tmp_path / "home.png"))
    browser.find_element(By.CSS_SELECTOR, "#bucket-demo a.explore-link").click()
    wait.until(expected_conditions.presence_of_element_located((By.ID, "explorer")))

    # period=week, the last 8 weeks, grouped by browser, the mean duration.
    Select(browser.find_element(By.ID, "period")).select_by_value("week")
    duration = browser.find_element(By.ID, "duration")
    duration.clear()
    duration.send_keys("8")
    browser.find_element(By.CSS_SELECTOR, "input[name=group_by][value=browser]").click()
    Select(browser.find_element(By.ID, "collect-field-0")).select_by_value("duration")
    Select(browser.find_element(By.ID, "collect-method-0")).select_by_value("mean")
    browser.find_element(By.ID, "run-query").click()
    wait.until(expected_conditions.presence_of_element_located(
        (By.CSS_SELECTOR, "#explore-chart.chart-drawn")))
    url = browser.find_element(By.ID, "read-api-url").get_attribute("value")
    assert url == f"{base}/demo?period=week&duration=8&group_by=browser&collect=duration%3Amean"
    read = requests.get(url, timeout=10).json()["data"]
    assert len(read) == 4

    # One line per group, a legend entry per group, and 8 points on each.
    lines = browser.find_elements(By.CSS_SELECTOR, "#explore-chart g.mark-line path")
    assert len(lines) == len(read)
    legend = browser.find_element(By.CSS_SELECTOR, "#explore-chart g.role-legend").text
    assert all(row["browser"] in legend for row in read)
    points = browser.find_elements(By.CSS_SELECTOR, "#explore-chart g.mark-symbol.role-mark path")
    assert len(points) == 4 * 8
    svg_text = browser.find_element(By.CSS_SELECTOR, "#explore-chart svg").text
    assert "Week starting" in svg_text and "Number of records" in svg_text

    # Hovering a point shows the read API's value for it.
    ActionChains(browser).move_to_element(points[0]).perform()
    tooltip = wait.until(expected_conditions.visibility_of_element_located(
        (By.ID, "vg-tooltip-element")))
    first = read[0]["values"][0]
    assert read[0]["browser"] in tooltip.text
    assert f"{first['_count']:,}" in tooltip.text
    # So does the keyboard.
    chart = browser.find_element(By.ID, "explore-chart")
    chart.send_keys(Keys.HOME)
    readout = browser.find_element(By.CSS_SELECTOR, "#explore-chart .chart-readout").text
    assert readout.startswith(read[0]["browser"])
    assert readout.endswith(f"{first['_count']:,} number of records")

    # The table holds the read API's numbers.
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#answer-table th")]
    cells = [[td.get_attribute("data-value") for td in tr.find_elements(By.TAG_NAME, "td")]
             for tr in browser.find_elements(By.CSS_SELECTOR, "#answer-table tbody tr")]
    table = [dict(zip(headers, row, strict=True)) for row in cells]
    expected = [(row["browser"], value["_start_at"], str(value["_count"]),
                 "" if value["duration:mean"] is None else repr(value["duration:mean"]))
                for row in read for value in row["values"]]
    assert [(r["browser"], r["_start_at"], r["_count"], r["duration:mean"]) for r in table] == expected

    # The CSV download is the read API's CSV.
    link = browser.find_element(By.ID, "csv-download").get_attribute("href")
    download = _session(browser).get(link, timeout=10)
    assert download.status_code == 200
    assert download.text == requests.get(url + "&format=csv", timeout=10).text

    assert_no_csp_violations(browser)
    assert_accessible(browser)
    browser.save_screenshot(str(tmp_path / "explore.png"))

    # At 375 px wide nothing spills sideways and it is still accessible.
    browser.set_window_size(375, 812)
    browser.refresh()
    wait.until(expected_conditions.presence_of_element_located(
        (By.CSS_SELECTOR, "#explore-chart.chart-drawn")))
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 375
    assert_accessible(browser)
    browser.save_screenshot(str(tmp_path / "explore-375.png"))
    print(f"screenshots in {tmp_path}")
