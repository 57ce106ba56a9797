"""Contact the study team: who a trial's record lets a person write to (``recipients``), checking what
they entered (``entries``), and keeping the request as a lead with its emails (``requests``)."""
