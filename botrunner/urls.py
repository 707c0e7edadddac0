from django.urls import path

from botrunner.views import telegram_webhook

urlpatterns = [
    path("webhook/", telegram_webhook, name="telegram-webhook"),
]
