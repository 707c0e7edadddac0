import asyncio

import pytest

from notifications.models import OutboxMessage
from notifications.ratelimit import (
    Admission,
    LocalLimiter,
    RedisLimiter,
    inflight_marked,
    limiter_prefix,
)
from notifications.sender import outbox_drain
from notifications.services import message_enqueue
from tests.factories import ParticipantFactory
from tests.notifications.limiter import limiter_reset


@pytest.fixture(params=["redis", "local"])
def make_limiter(request, settings):
    """Build limiters of one kind on fresh state; each call is another "worker"."""
    if request.param == "redis" and not settings.REDIS_URL:
        pytest.skip("needs Redis")
    limiter_reset()
    prefix = limiter_prefix(settings.TELEGRAM_BOT_TOKEN)

    def make():
        if request.param == "redis":
            return RedisLimiter(settings.REDIS_URL, prefix=prefix)
        return LocalLimiter(prefix=prefix)

    yield make
    limiter_reset()


def run(coroutine):
    return asyncio.run(coroutine)


def test_reserve_gives_each_sender_its_own_slot(make_limiter, settings):
    settings.TELEGRAM_RATE_GLOBAL = 1  # a slot per ~1.03 s: far from any jitter

    async def scenario():
        first, second = make_limiter(), make_limiter()
        waits = [await first.reserve(), await second.reserve(), await first.reserve()]
        await first.close()
        await second.close()
        return waits

    waits = run(scenario())

    interval = 1 / (1 * settings.TELEGRAM_RATE_HEADROOM)
    assert waits[0] == pytest.approx(0, abs=0.05)
    # Each slot is one interval after the previous one, less the time between calls.
    assert interval / 2 < waits[1] <= interval
    assert interval < waits[2] <= 2 * interval


def test_admit_caps_the_sends_of_the_last_second(make_limiter, settings):
    settings.TELEGRAM_RATE_GLOBAL = 2

    async def scenario():
        limiter = make_limiter()
        answers = [await limiter.admit(chat, chat) for chat in (1, 2, 3)]
        await limiter.close()
        return answers

    first, second, third = run(scenario())

    assert first.ok
    assert second.ok
    assert third.reason == Admission.AT_CAP
    assert 0 < third.wait <= 1.1


def test_admit_counts_a_request_until_a_second_after_its_answer(make_limiter, settings):
    settings.TELEGRAM_RATE_GLOBAL = 1

    async def scenario():
        limiter = make_limiter()
        await limiter.admit(1, 1)
        # More than a second after it left, the request may still arrive.
        await asyncio.sleep(1.05)
        on_its_way = await limiter.admit(2, 2)
        await limiter.answered(1)
        answered = await limiter.admit(3, 3)
        await limiter.close()
        return on_its_way, answered

    on_its_way, answered = run(scenario())

    assert on_its_way.reason == Admission.AT_CAP
    assert answered.reason == Admission.AT_CAP
    assert 0 < answered.wait <= 1


def test_admit_keeps_a_chat_an_interval_after_its_last_answer(make_limiter):
    async def scenario():
        limiter = make_limiter()
        await limiter.admit(42, 1)
        await asyncio.sleep(1.05)
        on_its_way = await limiter.admit(42, 2)
        await limiter.answered(1)
        answered = await limiter.admit(42, 3)
        await limiter.close()
        return on_its_way, answered

    on_its_way, answered = run(scenario())

    assert on_its_way.reason == Admission.CHAT_BUSY
    assert answered.reason == Admission.CHAT_BUSY
    assert 0 < answered.wait <= 1.1


def test_admit_keeps_one_chat_to_its_rate(make_limiter):
    async def scenario():
        limiter = make_limiter()
        answers = [await limiter.admit(42, 1), await limiter.admit(42, 2)]
        other = await limiter.admit(43, 3)
        await limiter.close()
        return answers, other

    (first, second), other = run(scenario())

    assert first.ok
    assert other.ok
    assert second.reason == Admission.CHAT_BUSY
    assert 0 < second.wait <= 1.1


def test_pause_holds_every_sender(make_limiter):
    async def scenario():
        limiter, other = make_limiter(), make_limiter()
        await limiter.pause(3)
        answers = await other.admit(42, 1), await other.reserve()
        await limiter.close()
        await other.close()
        return answers

    admission, wait = run(scenario())

    assert admission.reason == Admission.PAUSED
    assert 1 < admission.wait <= 3
    assert 1 < wait <= 3


def test_inflight_marks_tell_which_messages_may_have_left(settings):
    if not settings.REDIS_URL:
        assert inflight_marked([1, 2]) is None
        return
    limiter_reset()

    async def scenario():
        limiter = RedisLimiter(
            settings.REDIS_URL, prefix=limiter_prefix(settings.TELEGRAM_BOT_TOKEN)
        )
        await limiter.admit(42, 1)
        await limiter.admit(43, 2)
        await limiter.inflight_clear(2)
        await limiter.close()

    run(scenario())

    assert inflight_marked([1, 2, 3]) == {1}
    limiter_reset()


# -- the drain against the fake, which counts a send when it arrives ---------


def _enqueue(participant, key: str) -> OutboxMessage:
    return message_enqueue(
        participant, kind=OutboxMessage.Kind.REVIEW, text="Hi", dedupe_key=key
    )


@pytest.mark.django_db(transaction=True)
def test_drain_keeps_to_the_global_rate_when_a_request_arrives_late(telegram, settings):
    settings.TELEGRAM_RATE_GLOBAL = 5
    telegram.rate_limit(5, None)
    # The first request reaches Telegram half a second after it left: a stalled
    # process or network. The fake counts it when it arrives, as Telegram does.
    telegram.delay_next(1, 0.5, method="sendMessage")
    for number in range(12):
        _enqueue(ParticipantFactory(), key=f"k{number}")

    report = outbox_drain()

    assert report.sent == 12
    assert telegram.too_many_requests == 0
    assert telegram.stats().max_global_per_sec <= 5


@pytest.mark.django_db(transaction=True)
def test_drain_keeps_one_chat_to_its_rate_when_a_request_arrives_late(
    telegram, settings
):
    settings.TELEGRAM_RATE_PER_CHAT = 1
    settings.OUTBOX_DRAIN_IDLE_SECONDS = 3
    telegram.rate_limit(None, 1)
    telegram.delay_next(1, 0.5, method="sendMessage")
    participant = ParticipantFactory()
    for number in range(3):
        _enqueue(participant, key=f"k{number}")

    report = outbox_drain()

    assert report.sent == 3
    assert telegram.too_many_requests == 0
    assert telegram.stats().max_per_chat_per_sec == 1
