"""The development mailer: prints each mail in the terminal as a person reads it.

Django's console mailer prints the MIME message as it would be sent. Lines longer than 78
characters (every confirmation and password-reset link) make it quoted-printable, which splits
them with a trailing "=" and turns "=" into "=3D", so a link copied from the terminal is a 404.
This one prints the headers and each text part decoded, every line whole.
"""

from django.core.mail.backends.console import EmailBackend

RULE = "-" * 79
# MIME framing says how the text is encoded for the wire: nothing a reader needs.
_FRAMING = {"content-type", "content-transfer-encoding", "mime-version"}


def readable_text(message) -> str:
    """The mail (a Django EmailMessage) as plain text: headers, then each text part decoded."""
    mime = message.message()
    lines = [
        f"{name}: {value}"
        for name, value in mime.items()
        if name.lower() not in _FRAMING
    ]
    parts = [
        part
        for part in mime.walk()
        if part.get_content_maintype() == "text" and not part.is_attachment()
    ]
    for part in parts:
        lines.append("")
        if len(parts) > 1:
            lines.append(f"[{part.get_content_type()}]")
        lines.append(part.get_content().rstrip("\n"))
    attachments = [part.get_filename() or "?" for part in mime.iter_attachments()]
    if attachments:
        lines += ["", "Attachments: " + ", ".join(attachments)]
    return "\n".join(lines)


class ReadableConsoleBackend(EmailBackend):
    """Console mail for `make run`: decoded text, so links can be copied as printed."""

    def write_message(self, message):
        self.stream.write(f"{readable_text(message)}\n{RULE}\n")
