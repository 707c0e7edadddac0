"""The project's URLs plus one view that fails, for tests of error handling."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from core.urls import urlpatterns as project_urlpatterns


# Exempt: error reporting tests post to it as an outside client would.
@csrf_exempt
def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the view failed")


urlpatterns = [*project_urlpatterns, path("fail/", fail)]
