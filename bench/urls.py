"""The app's URLs plus the benchmark floors: what the stack does with no work of ours."""

from django.urls import path

from bench import views
from coalition.urls import urlpatterns as app_urlpatterns

urlpatterns = [
    path("__bench__/floor/", views.floor, name="bench_floor"),
    *app_urlpatterns,
]
