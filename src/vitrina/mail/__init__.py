"""Outgoing mail: `await send_mail(to, subject, body, html=None)`.

The backend comes from `settings.mail_backend`: `console` logs the message (development),
`smtp` delivers it through `settings.smtp_*` (aiosmtplib), `memory` keeps it in a module-level
outbox that tests read with `outbox()` and empty with `clear_outbox()`.
"""

from vitrina.mail.backends import MailError, MailMessage, clear_outbox, outbox, send_mail

__all__ = ["MailError", "MailMessage", "clear_outbox", "outbox", "send_mail"]
