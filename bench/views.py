"""The floor: a bare Django view that renders a template and runs no query."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.template import engines
from django.views.decorators.http import require_http_methods

# Compiled once, like the app's templates under the cached loader.
TEMPLATE = engines["django"].from_string(
    '<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>{{ title }}</title></head>'
    '<body><main><h1>{{ title }}</h1><form id="floor-form" method="post">{% csrf_token %}<button>OK</button></form>'
    "</main></body>"
    "</html>"
)


@login_not_required
@require_http_methods(["GET", "POST"])
def floor(request):
    return HttpResponse(TEMPLATE.render({"title": "floor"}, request))
