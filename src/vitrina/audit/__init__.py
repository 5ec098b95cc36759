"""Who changed what: the staff audit log."""
