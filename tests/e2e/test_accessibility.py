"""axe-core (vendored from the npm registry, see vendor/README.md) finds no serious or critical problems."""

import pytest

from tests.e2e.conftest import PHONE, run_axe

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser"), pytest.mark.django_db]


def entity_url(timeline, which):
    return {
        "timeline": "/",
        "organisation": timeline.ai_company.get_absolute_url(),
        "lawsuit": timeline.lawsuit.get_absolute_url(),
    }[which]


@pytest.mark.parametrize("which", ["timeline", "organisation", "lawsuit"])
def test_axe_finds_no_serious_or_critical_violations(new_page, timeline, which):
    # axe is injected by evaluating its source; our Content-Security-Policy rightly forbids that for pages.
    page = new_page(bypass_csp=True)
    page.goto(entity_url(timeline, which))
    assert run_axe(page) == []


def test_axe_finds_no_serious_or_critical_violations_in_dark_colours_on_a_phone(new_page, timeline):
    page = new_page(bypass_csp=True, color_scheme="dark", viewport=PHONE)
    page.goto("/")
    page.locator("details.chart-data summary").first.click()  # the chart's table, open
    assert run_axe(page) == []
