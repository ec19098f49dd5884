"""Which fields of the events app hold personal data or secrets (see coalition/privacy.py for the levels).

A registration's ``token`` is a capability: its link confirms or cancels the registration. The check-in code is
a door pass the participant shows to the staff, who check them in: it grants nothing without a staff login, and
the registration email carries it (and its QR code) as it is, so it is personal, not secret. The public links of
events and sessions (``public_token``) are published on purpose, and a certificate's verification code exists to
be shown to anyone: neither is classified.
"""

from coalition.privacy import Privacy

CLASSIFIED = {
    "Registration": {"token": Privacy.SECRET, "checkin_code": Privacy.PERSONAL},
    "Enrolment": {"token": Privacy.SECRET},
}
