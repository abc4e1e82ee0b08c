"""A headless Chromium (Debian's chromium + chromedriver) driving `id2face web`, for the page tests
and for the screenshots in docs/ (scripts/page_screenshots.py)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from helpers_web import serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "needs selenium (pip install -e '.[test]')"
    if not (CHROMIUM and CHROMEDRIVER):
        return "needs Debian's chromium and chromium-driver (apt-get install them; .ci/run does)"
    return None


@contextmanager
def chromium(width: int = 1200, height: int = 900) -> Iterator:
    """A headless Chromium window of this size (the system browser and driver: nothing downloaded)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
    ):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    # A window cannot be narrower than about 500 px: the viewport of a phone is set directly.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    try:
        yield driver
    finally:
        driver.quit()


class SlowMask:
    """The mask method, 1.5 s slower: lets a test see the spinner and a queue."""

    def __init__(self) -> None:
        from id2face.methods.classic import MaskMethod

        self.inner = MaskMethod()
        self.name, self.crop_size, self.template, self.color_match = "mask", 256, self.inner.template, False

    def __call__(self, crops, masks, faces, seed, strength=None):
        time.sleep(1.5)
        return self.inner(crops, masks, faces, seed, strength)


@contextmanager
def web_server(
    methods: tuple[str, ...] = ("blur", "pixelate", "mask"),
    slow_mask: bool = True,
    request_timeout: float = 60.0,
) -> Iterator[str]:
    """`id2face web` on a free port of 127.0.0.1; yields its address."""
    from id2face.anonymizer import Anonymizer
    from id2face.web.server import AnonymizerPool, WebConfig, make_server

    def factory(method: str) -> Anonymizer:
        return Anonymizer(method=SlowMask() if method == "mask" and slow_mask else method)

    srv = make_server(
        AnonymizerPool(factory, methods=methods),
        WebConfig(port=0, max_upload_mb=20.0, default_method="blur", request_timeout=request_timeout),
    )
    with serving(srv) as address:
        yield address


def write_photos(folder: Path) -> dict[str, Path]:
    """The sample portrait and a photo with no face, as files a file input can take."""
    import skimage.data
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    portrait = skimage.data.astronaut()
    paths = {"portrait": folder / "portrait.png", "empty": folder / "sky.png"}
    Image.fromarray(portrait).save(paths["portrait"])
    Image.fromarray(np.ascontiguousarray(portrait[:80, :160])).save(paths["empty"])
    return paths


def submit(driver, photo: Path, method: str = "blur", seed: str | None = None, wait: float = 60) -> str:
    """Choose `photo` and `method`, press Anonymize, wait for the answer; the status text."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    driver.find_element(By.ID, "file").send_keys(str(photo))
    Select(driver.find_element(By.ID, "method")).select_by_value(method)
    if seed is not None:
        driver.execute_script("document.getElementById('seed').value = arguments[0]", seed)
    driver.find_element(By.ID, "go").click()
    WebDriverWait(driver, wait).until(
        lambda d: (
            d.find_element(By.ID, "go").is_enabled()
            and d.find_element(By.ID, "spin").get_attribute("hidden") is not None
        )
    )
    return driver.find_element(By.ID, "message").text


def screenshots(base: str, photo: Path, out_dir: Path, method: str = "id2face") -> list[Path]:
    """The page with a result, on a desktop (1200 px) and on a phone (400 px) screen."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    import io

    from PIL import Image

    for name, width, height in (("web_desktop.jpg", 1200, 900), ("web_phone.jpg", 400, 1400)):
        with chromium(width, height) as driver:
            driver.get(base)
            submit(driver, photo, method)
            driver.execute_script("window.scrollTo(0, 0)")
            time.sleep(0.3)  # images decoded and laid out
            shot = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB")
            shot.save(out_dir / name, quality=85)  # a JPEG: a fifth of the PNG in the repository
            written.append(out_dir / name)
    return written
