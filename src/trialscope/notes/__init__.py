"""Private notes on a trial, kept under an unguessable link and a passcode the person chooses
(``sealed``)."""
