"""Logging filters for the project's settings."""

import logging


class ClientErrorsOnOneLine(logging.Filter):
    """A refused request (a 4xx: 403, 400, 405...) is logged as one line, without the traceback
    of the exception that refused it: it is the site working as meant, and in `make run`'s
    terminal a traceback per 403 buried the mails printed there. 5xx keep their tracebacks."""

    def filter(self, record):
        status = getattr(record, "status_code", None)
        if record.exc_info and status is not None and status < 500:
            exception = record.exc_info[1]
            detail = str(exception) if exception is not None else ""
            if detail:
                # The message is a %-format string (its args are applied later).
                detail = " ".join(detail.split()).replace("%", "%%")
                record.msg = f"{record.msg} ({detail})"
            record.exc_info = None
            record.exc_text = None
        return True
