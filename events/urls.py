from django.urls import path  # noqa: F401 - views arrive with this app's issue

app_name = "events"

urlpatterns: list = []
