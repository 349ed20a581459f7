"""User-facing errors: one base class for every failure a user can cause and mend.

Anything a user reaches through a scenario field, ``--set``, an input file, a run id or a dashboard
request raises a :class:`LeodcError` (or a subclass) whose message names the file and the field and
says what was expected. The command line prints it as one line and exits with
:data:`EXIT_BAD_INPUT`; the dashboard answers it with a 4xx status and the same message. Any other
exception is a defect in leodc, not in the input.
"""

from __future__ import annotations

EXIT_BAD_INPUT = 2


class LeodcError(ValueError):
    """Base of every user-facing failure; ``str(exc)`` is the one line shown to the user.

    It derives from ``ValueError`` so that callers catching ``ValueError`` keep working.
    """

    status_code = 400  # what the dashboard answers


class InputError(LeodcError):
    """Bad input: one line naming the file, the field and what was expected.

    Parameters
    ----------
    file : str or None
        The file that stated the value, ``--set``, a command-line option, or a request; None from a check
        that sees a field's value but not where it came from (the stage that holds the scenario names it
        with :meth:`located`).
    field : str or None
        The dotted field name (``power.eclipse_path_efficiency``), or None when the file itself is wrong.
    expected : str
        What was expected, and what was found.
    """

    def __init__(self, file: str | None, field: str | None, expected: str):
        self.file, self.field, self.expected = file, field, expected
        where = ": ".join(p for p in (file or "scenario", field) if p)
        super().__init__(f"{where}: {expected}")

    def located(self, file: str) -> InputError:
        """The same error, naming ``file``."""
        return type(self)(file, self.field, self.expected)


class NotFoundError(InputError):
    """A named thing (a run id, a file) does not exist."""

    status_code = 404


class ConflictError(InputError):
    """A thing not in the state the action needs, such as the report of a run that did not complete."""

    status_code = 409
