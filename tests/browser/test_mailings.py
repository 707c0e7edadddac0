"""A coordinator writes a mailing in the browser and watches it reach Telegram."""

import re

import pytest
from django.urls import reverse

from core import roles
from core.models import Membership
from notifications.models import Mailing, OutboxMessage
from notifications.sender import outbox_drain
from notifications.services import mailings_dispatch_due
from tests.browser.conftest import beside_the_browser
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

TEXT = "Hello, {name}! See you on <b>Sunday</b>."


@pytest.fixture
def audience(running_shift) -> list[Membership]:
    """Three active members of the running shift, and people who must not get it:
    an excluded member and a member of the next (preparing) shift."""
    members = [
        MembershipFactory(shift=running_shift, participant__first_name=name)
        for name in ("Alina", "Boris", "Vera")
    ]
    MembershipFactory(
        shift=running_shift,
        participant__first_name="Gleb",
        status=Membership.Status.EXCLUDED,
    )
    MembershipFactory(participant__first_name="Dina")
    return members


def pick_shift(page, title: str) -> None:
    """Choose a shift in the admin's autocomplete (select2) field of shifts."""
    page.locator(".field-shifts .select2-selection").click()
    page.locator(".select2-search__field").fill(title)
    page.locator(".select2-results__option", has_text=title).click()


def write_mailing(page, shift_title: str) -> None:
    page.goto(reverse("admin:notifications_mailing_add"))
    page.fill("input[name=title]", "Sunday meetup")
    page.fill("textarea[name=text]", TEXT)
    page.get_by_text("Audience", exact=True).click()  # a tab of the form
    pick_shift(page, shift_title)
    page.select_option("select[name=membership]", Mailing.Membership.ACTIVE)


def test_mailing_form_shows_live_count_and_preview(
    login, screenshot, running_shift, audience
):
    page = login("coord", role=roles.COORDINATOR)

    write_mailing(page, running_shift.title)

    count = page.locator("#mailing-count")
    count.filter(has_text="3 recipients").wait_for()
    assert "0 of them cannot be reached" in count.inner_text()
    preview = page.locator("#mailing-preview")
    first = min(audience, key=lambda member: member.participant.pk).participant
    preview.filter(has_text=f"Hello, {first.first_name}!").wait_for()
    assert preview.locator("b").inner_text() == "Sunday"
    note = page.locator("#mailing-preview-note").inner_text()
    assert note == f"For the first recipient, {first.full_name}:"
    screenshot("mailing-form")

    page.select_option("select[name=membership]", Mailing.Membership.EXCLUDED)

    count.filter(has_text="1 recipient;").wait_for()


def test_mailing_form_preview_lists_text_problems(login, running_shift, audience):
    page = login("coord", role=roles.COORDINATOR)
    page.goto(reverse("admin:notifications_mailing_add"))

    page.fill("textarea[name=text]", "Hi {nickname}, <blink>now</blink>")

    problems = page.locator("#mailing-problems li")
    problems.first.wait_for()
    assert "nickname" in " ".join(problems.all_inner_texts())


def test_mailing_sent_from_browser_reaches_each_member_by_name(
    login, screenshot, running_shift, audience, telegram
):
    page = login("coord", role=roles.COORDINATOR)
    write_mailing(page, running_shift.title)
    page.locator("#mailing-count").filter(has_text="3 recipients").wait_for()

    page.click("button[name=_continue]")
    page.wait_for_url(re.compile(r"/admin/notifications/mailing/\d+/change/"))
    mailing = Mailing.objects.get()
    page.get_by_role("link", name="Send / schedule").click()
    page.get_by_role("button", name="Yes, I'm sure").click()
    page.get_by_text("1 object done").wait_for()
    # What beat and the sender would do next, run here against the fake Bot API.
    mailings_dispatch_due()
    beside_the_browser(outbox_drain)
    mailings_dispatch_due()

    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DONE
    sent = {call.chat_id: call.text for call in telegram.sent}
    assert sent == {
        member.participant.telegram_id: (
            f"Hello, {member.participant.first_name}! See you on <b>Sunday</b>."
        )
        for member in audience
    }
    assert set(mailing.deliveries.values_list("status", flat=True)) == {
        OutboxMessage.Status.SENT
    }

    page.reload()
    page.get_by_text("3 of 3 done").wait_for()
    delivered = page.locator("#mailing-live li", has_text="sent")
    assert delivered.locator(".font-semibold").inner_text() == "3"
    assert page.locator("#mailing-count").inner_text() == "Fixed at sending: 3."
    first = min(audience, key=lambda member: member.participant.pk).participant
    assert page.locator("#mailing-preview").inner_text() == (
        f"Hello, {first.first_name}! See you on Sunday."
    )
    screenshot("mailing-stats")
