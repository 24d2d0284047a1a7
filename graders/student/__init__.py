"""Student: what reaches a student — the released notebook (``release``), the public manifest
and form checks (``public``) and their own check in CI (``ci``)."""
