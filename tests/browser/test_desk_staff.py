"""In Chromium: the staff desk at 390 px and 1280 px — the inbox filter panel, the anonymity
badge, case search by NIK, bulk claim, and returning a draft answer to the team."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from app.cases import service
from app.cases.events import PUBLIC
from tests.browser.conftest import LiveServer, sign_in
from tests.browser.test_staff_inbox import COMPLAINT
from tests.support import ROOT

pytestmark = pytest.mark.browser

SHOTS = ROOT / "docs" / "screenshots"


def submit(live: LiveServer, **overrides: Any) -> str:
    """A complaint from the public, seeded through the service."""
    with live.app.app_context():
        return service.submit_case({**COMPLAINT, **overrides}, PUBLIC).case.tracking_code


def box(locator: Any) -> dict[str, float]:
    """The element's box once it is visible."""
    expect(locator).to_be_visible()
    found = locator.bounding_box()
    assert found is not None
    return dict(found)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_filter_panel_apply_button_is_an_ordinary_button(live_server: LiveServer,
                                                              new_page: Any, width: int) -> None:
    submit(live_server)
    page = new_page(width, 800)
    sign_in(page, "petugas")
    page.goto("/tugas/antrean")
    page.get_by_text("Saring dan urutkan").click()
    apply = page.get_by_role("button", name="Terapkan")
    shape = box(apply)
    search = box(page.locator("#q"))
    # A button as tall as one input, not a giant ellipse spanning the filter grid.
    assert shape["height"] <= search["height"] + 8, shape
    radius = apply.evaluate("b => parseFloat(getComputedStyle(b).borderTopLeftRadius)")
    assert radius < 20, radius
    if width == 1280:
        page.screenshot(path=str(SHOTS / "desk-staff-filters-1280.png"))


@pytest.mark.parametrize("width", [390, 1280])
def test_the_anonymity_badge_stays_inside_its_card(live_server: LiveServer, new_page: Any,
                                                   width: int) -> None:
    code = submit(live_server, anonim=True, judul="Anonim: lencana tidak boleh meluber")
    page = new_page(width, 800)
    sign_in(page, "petugas")
    page.goto("/tugas/antrean")
    page.locator("tr", has_text=code).get_by_role("link", name=code).click()
    badge = page.get_by_text("Pelapor meminta anonim")
    card = box(page.locator(".case-context"))
    shape = box(badge)
    assert shape["x"] >= card["x"] and shape["x"] + shape["width"] <= card["x"] + card["width"], (
        shape, card)
