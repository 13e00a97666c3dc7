"""Who may read each restriction-stage letter, as a page and as a PDF (standard and large
print): only those who may see restrictions, never the Community Safety Manager, whose access
is to tenant-related referrals (§8.4). An arrangement's letter follows the conduct history."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.pages import check_page
from tests.web.routes import DOWNLOADS, STAFF


def _cases():
    for download in DOWNLOADS:
        for role in STAFF:
            yield pytest.param(download, role, id=f"{download.name}-{role}")


@pytest.mark.policy("8.21")
@pytest.mark.parametrize(("download", "role"), list(_cases()))
def test_each_role_downloads_only_the_letters_it_may_read(client, world, act_as, download, role):
    act_as(role)
    response = client.get(download.href(world))
    if role in download.allowed:
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF")
        assert "attachment" in response.headers["Content-Disposition"]
    else:
        soup = check_page(response, 403)
        assert "You cannot see this page" in soup.h1.get_text()


@pytest.mark.parametrize("role", ["csm", "colleague", "panel"])
def test_large_print_is_shared_like_the_letter(client, world, act_as, role):
    act_as(role)
    response = client.get(f"/staff/letters/{world.decision_letter}/pdf?print=large")
    if role == "panel":
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
        assert "large-print" in response.headers["Content-Disposition"]
    else:
        check_page(response, 403)


@pytest.mark.parametrize("download", DOWNLOADS, ids=lambda d: d.name)
def test_signed_out_downloads_go_to_sign_in(client, world, download):
    url = download.href(world)
    response = client.get(url)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/staff/sign-in"
    assert parse_qs(location.query)["next"] == [url]
