"""A keyed file email backend that takes its time, so a test can kill the worker in the middle of a batch."""

import os
import time

from coalition.outbox.backends import KeyedFileEmailBackend


class SlowKeyedFileEmailBackend(KeyedFileEmailBackend):
    def send_messages(self, email_messages) -> int:
        time.sleep(float(os.environ.get("SLOW_EMAIL_SECONDS", "0.4")))  # the "network": a kill lands here
        return super().send_messages(email_messages)
