"""What the sign-in and API tests share: an assigned observer, a sign-in link's token, a bound device."""

from __future__ import annotations

import io

from django.utils import timezone
from PIL import Image

from electionday.models import Device, SignInLink
from electionday.services import devices
from events.models import Assignment, PollingStation
from tests.events.factories import PersonFactory, StationFactory, admitted_organization, certified
from tests.factories import region


def jpeg(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "JPEG")
    return out.getvalue()


def station_in(region_code: str = "KZ-35", **extra) -> PollingStation:
    return StationFactory(region=region(region_code), **extra)


def observer_at(station: PollingStation | None = None, **person) -> Assignment:
    """An observer assigned to ``station`` (a new KZ-35 station by default), with phone and email on record."""
    station = station or station_in()
    values = {"phone": "+77011234567", "region": station.region, **person}
    who = PersonFactory(**values)
    return Assignment.objects.create(
        station=station,
        person=who,
        role=Assignment.Role.OBSERVER,
        certificate=certified(who),
        organization=admitted_organization(),
    )


def link_token(link: SignInLink) -> str:
    """Make the link's token as the outbox does when it sends the message, and return it."""
    url = devices.signin_url(link.pk)
    return url.rstrip("/").rsplit("/", 1)[1]


def signin_token(assignment: Assignment, actor, channel: str = "email") -> str:
    return link_token(devices.send_signin_link(assignment=assignment, channel=channel, actor=actor))


def bound_device(assignment: Assignment, actor) -> tuple[Device, str]:
    return devices.bind(signin_token(assignment, actor), "Mozilla/5.0 (Linux; Android 14) Test")


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def end(assignment: Assignment) -> None:
    Assignment.objects.filter(pk=assignment.pk).update(ended_at=timezone.now())
