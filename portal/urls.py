from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("portal/", views.home, name="home"),
    path("portal/invitation/<str:token>/", views.accept_invitation, name="accept"),
    path("portal/<int:pk>/", views.organization, name="organization"),
    path("portal/<int:pk>/profile/", views.profile, name="profile"),
    path("portal/<int:pk>/nominate/", views.nominate, name="nominate"),
    path("portal/<int:pk>/events/propose/", views.propose_event, name="propose_event"),
]
