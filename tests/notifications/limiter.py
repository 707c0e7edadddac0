"""Reset the shared rate-limit state between tests and benchmark runs."""

from django.conf import settings

from notifications import ratelimit


def limiter_reset() -> None:
    """Forget slots, pauses, in-flight marks and the drain lock of earlier runs."""
    prefix = ratelimit.limiter_prefix(settings.TELEGRAM_BOT_TOKEN)
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()
    ratelimit.LocalLimiter._state.update(tat=0.0, pause=0.0)
    ratelimit.LocalLimiter._chats.clear()
    ratelimit.LocalLimiter._window.clear()
    for handle in ratelimit.LocalLimiter._lock.values():
        handle.close()
    ratelimit.LocalLimiter._lock.clear()
