"""One page helper that checks accessibility basics on every page it fetches."""

from __future__ import annotations

from collections import Counter

from bs4 import BeautifulSoup


def check_page(response, status: int = 200) -> BeautifulSoup:
    """Assert status, a title, a language, one h1, unique ids, forms with action and method,
    and a CSRF token in every form that posts."""
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.data[:500]!r}"
    )
    soup = BeautifulSoup(response.data, "html.parser")
    html = soup.find("html")
    assert html is not None and html.get("lang"), "page has no <html lang>"
    title = soup.find("title")
    assert title is not None and title.get_text(strip=True), "page has no title"
    assert len(soup.find_all("h1")) == 1, "page must have exactly one h1"
    ids = Counter(tag["id"] for tag in soup.find_all(id=True))
    duplicates = [i for i, n in ids.items() if n > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    for form in soup.find_all("form"):
        assert form.get("action"), f"form without action: {str(form)[:200]}"
        assert form.get("method", "get").lower() in ("get", "post")
        if form.get("method", "get").lower() == "post":
            token = form.find("input", attrs={"name": lambda n: n and n.endswith("csrf_token")})
            assert token is not None and token.get("value"), (
                f"a form that posts has no CSRF token: {str(form)[:200]}"
            )
    for field in soup.find_all(["input", "select", "textarea"]):
        if field.get("type") in ("hidden", "submit"):
            continue
        fid = field.get("id")
        labelled = fid and soup.find("label", attrs={"for": fid})
        assert labelled or field.get("aria-label"), f"unlabelled field: {str(field)[:200]}"
    return soup


def check_fragment(response, root_id: str) -> BeautifulSoup:
    """Assert an htmx fragment: no layout, one root element with the given id."""
    assert response.status_code == 200, response.data[:500]
    soup = BeautifulSoup(response.data, "html.parser")
    assert soup.find("html") is None, "fragment must not include the layout"
    roots = [el for el in soup.children if getattr(el, "name", None)]
    assert len(roots) == 1 and roots[0].get("id") == root_id, f"fragment root is not #{root_id}"
    assert "Vary" in response.headers and "HX-Request" in response.headers["Vary"]
    return soup


def errors_on(soup: BeautifulSoup) -> dict[str, str]:
    """Field id → error message shown next to it; '' → messages not tied to a field."""
    found = {}
    for item in soup.select(".error-summary__list li"):
        link = item.find("a")
        found[link["href"].lstrip("#") if link else ""] = item.get_text(" ", strip=True)
    return found
