"""The web UI, as a user drives it in a real browser: log in, find the DAG, unpause, trigger.

The run is triggered for logical date 2018-11-15 20:00 (it loads 19:00-20:00) and must show
"Success" on its page; the screenshot is kept in test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import time

import pytest
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import PROJECT
from tests.e2e.conftest import DAG_ID, hours
from tests.support.raw_counts import actual_warehouse, expected_warehouse

pytestmark = pytest.mark.slow  # the real Airflow components and a browser: not in make check

ARTIFACTS = PROJECT / "test-artifacts"
RUN_ID = "triggered_from_the_web_ui"


def click(wait: WebDriverWait, css: str) -> None:
    """Click the element once it is there and clickable, even if React re-renders it meanwhile."""

    def attempt(driver) -> bool:
        try:
            driver.find_element(By.CSS_SELECTOR, css).click()
            return True
        except (
            NoSuchElementException,
            StaleElementReferenceException,
            ElementNotInteractableException,
            ElementClickInterceptedException,
        ):
            return False

    wait.until(attempt, f"could not click {css}")


def retype(field, text: str) -> None:
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.BACKSPACE)
    field.send_keys(text)


def wait_for_unpaused(api, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while api.call("GET", f"/dags/{DAG_ID}")["is_paused"]:
        assert time.monotonic() < deadline, "the UI toggle did not unpause the DAG"
        time.sleep(1)


def test_log_in_unpause_trigger_and_watch_the_run_succeed(stack, browser, real_data):
    api, base = stack.api, stack.airflow.url
    api.call("PATCH", f"/dags/{DAG_ID}", {"is_paused": True})
    wait = WebDriverWait(browser, 30)

    browser.get(base + "/")
    wait.until(EC.presence_of_element_located((By.NAME, "username"))).send_keys("admin")
    browser.find_element(By.NAME, "password").send_keys(stack.airflow.admin_password())
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(EC.url_to_be(base + "/"))

    browser.get(base + "/dags")
    wait.until(EC.element_to_be_clickable((By.LINK_TEXT, DAG_ID))).click()
    wait.until(EC.url_contains(f"/dags/{DAG_ID}"))

    click(wait, "[data-testid=toggle-pause]")
    wait_for_unpaused(api)

    browser.find_element(By.CSS_SELECTOR, "[data-testid=trigger-dag-button]").click()
    wait.until(
        EC.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid=datetime-input]"))
    ).click()
    date = wait.until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, "input[placeholder='YYYY/MM/DD']"))
    )
    retype(date, "2018/11/15")
    retype(browser.find_element(By.CSS_SELECTOR, "input[placeholder='HH:mm']"), "20:00")
    browser.find_element(By.XPATH, "//label[text()='Logical Date']").click()  # close the picker
    shown = browser.find_element(By.CSS_SELECTOR, "[data-testid=datetime-input]").text
    assert shown == "Nov 15, 2018 20:00"
    click(wait, "[data-part=item-trigger]")  # advanced options
    wait.until(EC.visibility_of_element_located((By.NAME, "dagRunId"))).send_keys(RUN_ID)
    click(wait, "[data-testid=trigger-dag-submit]")
    wait.until(EC.url_contains(f"/dags/{DAG_ID}/runs/{RUN_ID}"))

    deadline = time.monotonic() + 300
    state = ""
    while state != "Success":
        assert time.monotonic() < deadline, f"the run page still says {state!r}"
        assert state != "Failed", "the run failed"
        time.sleep(3)
        browser.refresh()
        badge = wait.until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=state-badge]"))
        )
        state = badge.text.strip()
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "web-ui-run-success.png"))

    run = api.call("GET", f"/dags/{DAG_ID}/dagRuns/{RUN_ID}")
    assert (run["state"], run["data_interval_start"]) == ("success", "2018-11-15T19:00:00Z")
    stack.loaded_hours.update(hours(19))
    assert actual_warehouse(stack.warehouse) == expected_warehouse(
        real_data, sorted(stack.loaded_hours)
    )
