from tests.pages import check_page


def test_start_page(client):
    check_page(client.get("/"))


def test_staff_home_needs_sign_in(client):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "/staff/sign-in" in response.headers["Location"]


def test_signed_in_home(client, sign_in, colleague):
    sign_in(colleague)
    soup = check_page(client.get("/staff/"))
    assert "Colin Colleague" in soup.get_text()
