"""The app's URLs plus the benchmark floors: what the stack does with no work of ours, and (``join-floor``) with
only the writes of /join/ made by hand-written SQL."""

from django.urls import path

from bench import views
from coalition.urls import urlpatterns as app_urlpatterns

urlpatterns = [
    path("__bench__/floor/", views.floor, name="bench_floor"),
    path("__bench__/join-floor/", views.join_floor, name="bench_join_floor"),
    path("__bench__/join-floor/done/", views.floor, name="bench_join_floor_done"),
    *app_urlpatterns,
]
