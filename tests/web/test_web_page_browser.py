"""The page as a user sees it, in a real headless Chromium: labels, feedback, phone layout, errors.

Set ID2FACE_SCREENSHOTS=docs to (re)write docs/web_desktop.jpg and docs/web_phone.jpg.
"""

import os
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from browser import chromium, missing, screenshots, submit, web_server, write_photos

pytestmark = pytest.mark.skipif(missing() is not None, reason=missing() or "")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    return write_photos(tmp_path_factory.mktemp("photos"))


@pytest.fixture(scope="module")
def base():
    with web_server() as url:
        yield url


@pytest.fixture(scope="module")
def driver():
    with chromium(1200, 900) as d:
        yield d


def by_id(driver, name):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, name)


def test_a_result_says_what_was_replaced_and_offers_the_download(driver, base, photos):
    driver.get(base)
    assert by_id(driver, "status").get_attribute("aria-live") == "polite"
    assert by_id(driver, "before").get_attribute("alt") and by_id(driver, "after").get_attribute("alt")
    assert (
        driver.find_element("css selector", "link[rel=icon]")
        .get_attribute("href")
        .startswith("data:image/svg")
    )
    assert submit(driver, photos["portrait"], "blur").startswith("1 face replaced")
    save = by_id(driver, "save")
    assert save.is_displayed() and save.get_attribute("download") == "portrait_anonymized.png"
    assert by_id(driver, "after").get_attribute("src").startswith("blob:")


def test_no_face_found_is_said_and_no_anonymized_download_is_offered(driver, base, photos):
    driver.get(base)
    assert submit(driver, photos["empty"], "blur") == "no face found: nothing was changed"
    assert not by_id(driver, "save").is_displayed()
    anyway = by_id(driver, "save-anyway")
    assert anyway.is_displayed()
    assert "_anonymized" not in by_id(driver, "save").get_attribute("download")


def test_an_error_clears_the_old_result_and_names_the_bad_option(driver, base, photos):
    driver.get(base)
    submit(driver, photos["portrait"], "blur")
    assert by_id(driver, "save").is_displayed()
    message = submit(driver, photos["portrait"], "blur", seed="1e3")
    assert "seed" in message and "strength" not in message
    assert "error" in by_id(driver, "message").get_attribute("class")
    assert not by_id(driver, "save").is_displayed() and not by_id(driver, "after").get_attribute("src")


def test_the_identity_distance_control_shows_its_value_and_only_for_id2face(driver, base):
    from selenium.webdriver.support.ui import Select

    driver.get(base)
    Select(by_id(driver, "method")).select_by_value("id2face")
    assert by_id(driver, "distance-box").is_displayed() and by_id(driver, "distance-value").text == "1.00"
    assert "Strength" not in by_id(driver, "distance-box").text and by_id(driver, "distance-hint").text
    driver.execute_script(
        "const s = document.getElementById('strength'); s.value = 0.3;s.dispatchEvent(new Event('input'))"
    )
    assert by_id(driver, "distance-value").text == "0.30"
    for classic in ("blur", "pixelate", "mask"):  # they do not use it: no control that does nothing
        Select(by_id(driver, "method")).select_by_value(classic)
        assert not by_id(driver, "distance-box").is_displayed()


def test_spinner_elapsed_time_and_queue_position_while_waiting(driver, base, photos):
    """Another upload holds the (slowed) model: the page shows a spinner, seconds and its place in line."""
    driver.get(base)
    body = photos["portrait"].read_bytes()
    other = threading.Thread(
        target=lambda: urllib.request.urlopen(
            urllib.request.Request(f"{base}/api/anonymize?method=mask", data=body, method="POST"), timeout=60
        ).read()
    )
    other.start()
    time.sleep(0.3)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    by_id(driver, "file").send_keys(str(photos["portrait"]))
    Select(by_id(driver, "method")).select_by_value("mask")
    by_id(driver, "go").click()
    assert by_id(driver, "spin").is_displayed()
    WebDriverWait(driver, 10).until(
        lambda d: "1 photo ahead of yours" in d.find_element(By.ID, "message").text
    )
    assert by_id(driver, "message").text.startswith("working: ")
    WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "go").is_enabled())
    other.join(30)
    assert (
        by_id(driver, "message").text.startswith("1 face replaced")
        and not by_id(driver, "spin").is_displayed()
    )


def test_a_dropped_photo_is_taken(driver, base):
    driver.get(base)
    driver.execute_script("""
        const c = document.createElement('canvas'); c.width = c.height = 32;
        c.toBlob((blob) => {
          const dt = new DataTransfer(); dt.items.add(new File([blob], 'dropped.png', {type: 'image/png'}));
          document.body.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true}));
        });""")
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 5).until(
        lambda d: (by_id(d, "before").get_attribute("src") or "").startswith("blob:")
    )


def test_before_and_after_stay_readable_on_a_400px_phone(base, photos):
    with chromium(400, 1200) as phone:
        phone.get(base)
        submit(phone, photos["portrait"], "blur")
        for name in ("before", "after"):
            assert by_id(phone, name).rect["width"] >= 340  # stacked, not two 170-px thumbnails


def test_a_server_that_went_away_is_said_plainly(photos):
    with chromium(1200, 900) as d:
        with web_server(request_timeout=0.3) as url:
            d.get(url)
        time.sleep(1.0)  # connections the browser opened ahead time out too
        message = submit(d, photos["portrait"], "blur")  # the server is gone now
        assert "cannot reach the id2face server" in message and "Failed to fetch" not in message


def test_screenshots_of_the_page(tmp_path, photos):
    """Desktop and phone screenshots with an id2face result (docs/ when ID2FACE_SCREENSHOTS=docs)."""
    out = REPO / "docs" if os.environ.get("ID2FACE_SCREENSHOTS") == "docs" else tmp_path
    with web_server(methods=("id2face", "blur", "pixelate", "mask")) as url:
        written = screenshots(url, photos["portrait"], out)
    assert [p.name for p in written] == ["web_desktop.jpg", "web_phone.jpg"]
    assert all(p.stat().st_size > 10_000 for p in written)
