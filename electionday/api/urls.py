"""Mounted at /api/v1/ by the root URLconf."""


urlpatterns: list = []
