"""The one exception type the command line turns into a single readable line."""


class ChorusError(Exception):
    """A problem the user can fix: bad input, an unknown name, a broken file.

    The message is one sentence that names the thing and, where there is one, the fix.
    """
