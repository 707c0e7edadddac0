from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from core.views import private_media

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        f"{settings.PRIVATE_MEDIA_URL.strip('/')}/<path:path>",
        private_media,
        name="private-media",
    ),
]
