"""Email: how to reach the SMTP server (``smtp``), what the messages say (``compose``), and delivering the
outbox with retries (``delivery``)."""
