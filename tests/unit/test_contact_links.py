"""§4.6: the always-open routes' phone numbers become tap-to-call links and their email
addresses tap-to-email links; everything else the organisation wrote stays as written."""

from __future__ import annotations

import pytest

from portal.organisation.links import AlwaysOpen, breakable, contact_links, tel_href


@pytest.mark.policy("4.6")
@pytest.mark.parametrize(
    ("written", "href"),
    [
        ("0161 000 0001", "tel:01610000001"),
        ("0800-000-0000", "tel:08000000000"),
        ("(0161) 222 3333", "tel:01612223333"),
        ("+44 161 000 0999", "tel:+441610000999"),
        ("+44 (0)161 000 0999", "tel:+441610000999"),  # the trunk 0 is not dialled from abroad
    ],
)
def test_a_phone_number_is_a_tel_link_of_digits_keeping_the_plus(written, href):
    html = str(contact_links(f"Call {written}, any time."))
    assert html == f'Call <a href="{href}" dir="ltr">{written}</a>, any time.'
    assert tel_href(written) == href


@pytest.mark.policy("4.6")
def test_an_email_address_is_a_mailto_link_and_its_full_stop_is_not_part_of_it():
    html = str(contact_links("Email complaints@housing.example."))
    assert html == (
        'Email <a href="mailto:complaints@housing.example" dir="ltr">'
        "complaints@<wbr>housing.<wbr>example</a>."
    )


@pytest.mark.policy("4.6")
@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("customer.services@demo.example", "customer.<wbr>services@<wbr>demo.<wbr>example"),
        ("a@b.co.uk", "a@<wbr>b.<wbr>co.<wbr>uk"),
    ],
)
def test_point12_a_long_address_may_wrap_after_its_at_sign_and_dots_only(address, shown):
    """At 320 px "customer.services@demo.ex|ample" wrapped mid-word: the address offers a
    break after "@" and each dot, and its link still goes to the whole address."""
    assert str(breakable(address)) == shown
    assert str(contact_links(address)) == f'<a href="mailto:{address}" dir="ltr">{shown}</a>'


def test_point12_a_breakable_address_is_escaped():
    assert str(breakable("x<y>@a.b")) == "x&lt;y&gt;@<wbr>a.<wbr>b"


@pytest.mark.policy("4.6")
def test_both_in_one_line():
    html = str(contact_links("Make a complaint on 0161 000 0001 or complaints@demo.example"))
    assert 'href="tel:01610000001"' in html
    assert 'href="mailto:complaints@demo.example"' in html


@pytest.mark.parametrize(
    "text",
    ["Call 999 in an emergency", "Open 9 to 5, 2026", "Reference A12345678", "Dial 111"],
)
def test_short_numbers_dates_and_references_are_left_as_written(text):
    assert str(contact_links(text)) == text


def test_what_the_organisation_wrote_is_escaped():
    assert str(contact_links("<b>Call</b> & ask")) == "&lt;b&gt;Call&lt;/b&gt; &amp; ask"
    assert str(contact_links(None)) == ""


def test_a_blank_route_is_not_listed():
    assert list(AlwaysOpen("Complaints: 0161 000 0001", "  ")) == ["Complaints: 0161 000 0001"]
