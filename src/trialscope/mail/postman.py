"""The server's postman: a thread that delivers the outbox when asked (a lead was just stored) and every
minute for retries, while an SMTP server is configured (without one, mail waits in the outbox); and, every
hour, deletes the personal data past its retention (``PeopleStore.purge_expired``)."""

from __future__ import annotations

import logging
import threading
import time

from trialscope.mail.delivery import deliver_due
from trialscope.mail.smtp import SmtpSettings
from trialscope.store.people import PeopleStore

log = logging.getLogger("trialscope.mail")
PURGE_EVERY_S = 3600.0


class Postman:
    def __init__(self, people: PeopleStore, settings: SmtpSettings | None, interval: float = 60.0) -> None:
        self.people = people
        self.settings = settings
        self.interval = interval
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._purged_at = 0.0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="postman", daemon=True)
            self._thread.start()

    def nudge(self) -> None:
        """Deliver now (the thread wakes; the request that asked does not wait)."""
        self._wake.set()

    def _run(self) -> None:
        while True:
            try:
                self.round()
            except Exception as exc:  # the database away for a moment, say: the thread lives on, the next round retries
                log.warning("postman round skipped: %s", type(exc).__name__)  # its kind only: no address
            self._wake.wait(self.interval)
            self._wake.clear()

    def round(self) -> None:
        """One round: purge when an hour has passed since the last, then deliver what is due."""
        if time.monotonic() - self._purged_at >= PURGE_EVERY_S or not self._purged_at:
            self._purged_at = time.monotonic()
            self.people.purge_expired()
        if self.settings is None:
            return
        report = deliver_due(self.people, self.settings)
        if report.sent or report.failed or report.retrying:
            log.info("outbox: %s sent, %s to retry, %s failed", report.sent, report.retrying, report.failed)
