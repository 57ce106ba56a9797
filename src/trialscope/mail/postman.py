"""The server's postman: a thread that delivers the outbox when asked (a lead was just stored) and every
minute for retries, while an SMTP server is configured; without one it does nothing and mail waits."""

from __future__ import annotations

import logging
import threading

from trialscope.mail.delivery import deliver_due
from trialscope.mail.smtp import SmtpSettings
from trialscope.store.people import PeopleStore

log = logging.getLogger("trialscope.mail")


class Postman:
    def __init__(self, people: PeopleStore, settings: SmtpSettings | None, interval: float = 60.0) -> None:
        self.people = people
        self.settings = settings
        self.interval = interval
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.settings is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="postman", daemon=True)
        self._thread.start()

    def nudge(self) -> None:
        """Deliver now (the thread wakes; the request that asked does not wait)."""
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                report = deliver_due(self.people, self.settings)
            except Exception as exc:  # the database away for a moment, say: the thread lives on, the next round retries
                log.warning("outbox delivery skipped: %s", type(exc).__name__)  # its kind only: no address
                continue
            if report.sent or report.failed or report.retrying:
                log.info("outbox: %s sent, %s to retry, %s failed", report.sent, report.retrying, report.failed)
