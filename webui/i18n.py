"""The web UI in the volunteer's language: Flask-Babel with the catalogs in ``webui/translations/``.

The language is the one the user chose on the account page, else the best the browser asks for
(``Accept-Language``) among the catalogs there are, else English. Templates mark their text with
``_()``; Python code with :func:`flask_babel.gettext` (``_l`` for text made before a request,
such as form labels); the page's scripts get their text from a JSON block the page carries
(:data:`SCRIPT_MESSAGES`, read by ``ui.js``).

Catalogs are made and compiled with Babel::

    make ui-catalogs            # extract the messages, update every language's messages.po
    make ui-catalogs UI_LANG=it # the same, and start webui/translations/it/LC_MESSAGES/messages.po
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date
from flask import Flask, g, request
from flask_babel import Babel, get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_login import current_user

TRANSLATIONS = Path(__file__).with_name("translations")
DEFAULT = "en"

# The page scripts' own text, by its English wording (the scripts fall back to that).
SCRIPT_MESSAGES = {
    "Saved": _l("Saved"),
    "Approved": _l("Approved"),
    "Saving…": _l("Saving…"),
    "Reverted": _l("Reverted"),
    "draft": _l("draft"),
    "untranslated": _l("untranslated"),
    "translated": _l("translated"),
    "approved": _l("approved"),
    "nothing left that needs work": _l("nothing left that needs work"),
    "Changed by someone else: merge and save again.": _l("Changed by someone else: merge and save again."),
    "Not approved: another reviewer approves this text (four eyes).":
        _l("Not approved: another reviewer approves this text (four eyes)."),
    "Not saved (%s)": _l("Not saved (%s)"),
    "Not saved: the server cannot be reached. Your text is still here.":
        _l("Not saved: the server cannot be reached. Your text is still here."),
    "Drafting in the background": _l("Drafting in the background"),
    "Drafts queued": _l("Drafts queued"),
    "%s of %s segments": _l("%s of %s segments"),
    # the review page: comments, live updates, the finish box, the suggestions panel
    "Write a comment first.": _l("Write a comment first."),
    "Sending…": _l("Sending…"),
    "Comment not added (%s)": _l("Comment not added (%s)"),
    "Comment added": _l("Comment added"),
    "Comment not added: the server cannot be reached. Your text is still here.":
        _l("Comment not added: the server cannot be reached. Your text is still here."),
    "Someone else saved this sentence while you were writing: merge and save.":
        _l("Someone else saved this sentence while you were writing: merge and save."),
    "%s has this open": _l("%s has this open"),
    "Reload the page": _l("Reload the page"),
    "Sentences were added to or removed from this statement.":
        _l("Sentences were added to or removed from this statement."),
    "Copied": _l("Copied"),
    "Select the text and copy it": _l("Select the text and copy it"),
    "%s: no proposal": _l("%s: no proposal"),
    "Use": _l("Use"),
    "suggestion %s (%s)": _l("suggestion %s (%s)"),
    "Asking the engines…": _l("Asking the engines…"),
    "1 suggestion": _l("1 suggestion"),
    "%s suggestions": _l("%s suggestions"),
    "No suggestions": _l("No suggestions"),
    "Suggestions cannot be loaded: %s": _l("Suggestions cannot be loaded: %s"),
    "Suggestion %s (%s) is in the field, not saved yet":
        _l("Suggestion %s (%s) is in the field, not saved yet"),
    "There is no suggestion %s here": _l("There is no suggestion %s here"),
}


ROLE_NAMES = {"translator": _l("translator"), "reviewer": _l("reviewer"), "coordinator": _l("coordinator")}
STATE_NAMES = {"untranslated": _l("untranslated"), "fuzzy": _l("draft"), "translated": _l("translated"),
               "approved": _l("approved")}
KIND_NAMES = {  # chorus.document.KINDS, as the review page labels a segment
    "dateline": _l("dateline"), "title": _l("title"), "heading": _l("heading"), "paragraph": _l("paragraph"),
    "list_item": _l("list item"), "quote": _l("quote"), "slogan": _l("slogan"), "signature": _l("signature"),
    "front_matter": _l("front matter"), "table_cell": _l("table cell"), "footnote": _l("footnote"),
    "html": _l("HTML"),
}
ACTION_NAMES = {  # a history line: "ana edited 4 Dec 2026" (the context keeps it apart from a state)
    "edit": _lp("history", "edited"), "approve": _lp("history", "approved"),
    "revert": _lp("history", "reverted"), "source": _lp("history", "source edited"),
}


def _named(table: dict, key: str) -> str:
    return str(table[key]) if key in table else key


def state_name(state: str) -> str:
    return _named(STATE_NAMES, state)


def kind_name(kind: str) -> str:
    return _named(KIND_NAMES, kind)


def action_name(action: str) -> str:
    return _named(ACTION_NAMES, action)


def number(value) -> str:
    """A count as the UI's language writes it (``1.234`` in German)."""
    from flask_babel import format_decimal

    return format_decimal(value)


def decimal(value, digits: int = 2) -> str:
    """A fraction with ``digits`` decimals as the UI's language writes it (``0,25`` in German)."""
    from flask_babel import format_decimal

    return format_decimal(value, format="0." + "0" * digits)


def percent(value) -> str:
    """A whole percentage as the UI's language writes it (``75 %`` in French and German)."""
    from flask_babel import format_percent

    return format_percent(round(float(value)) / 100)


def policy_text(policy) -> str:
    """The review policy's rule in the UI's language, as ``Policy.describe()`` puts it in English
    (``at least 100% approved``)."""
    from flask_babel import gettext

    if policy.publish == "approved":
        return gettext("at least %(percent)s approved", percent=percent(policy.threshold))
    return gettext("at least %(percent)s translated or approved", percent=percent(policy.threshold))


def ago(seconds: float | None, now: float | None = None) -> str:
    """How long ago a moment was, in the UI's language: ``just now`` within a minute, then
    ``5 minutes ago``, ``hace 2 horas``, ``il y a 3 jours``; ``never`` for None."""
    import time

    from flask_babel import format_timedelta, gettext

    if seconds is None:
        return gettext("never")
    span = max(0.0, (now or time.time()) - seconds)
    if span < 60:
        return gettext("just now")
    return format_timedelta(dt.timedelta(seconds=-span), add_direction=True)


def labels(table: dict) -> dict[str, str]:
    """``table`` with its text in the UI's language (text marked with ``_l`` or ``N_``)."""
    from flask_babel import gettext

    return {key: gettext(text) if isinstance(text, str) else str(text) for key, text in table.items()}


def role_name(role: str) -> str:
    return str(ROLE_NAMES.get(role, role))


def langs_of(user) -> str:
    """The languages a user works in, as the users and account pages list them."""
    described = user.describe_langs()
    return str(_l("all")) if described == "all" else described


@lru_cache(maxsize=1)
def available() -> tuple[str, ...]:
    """The UI's languages: English and every language with a compiled catalog."""
    found = sorted(path.parents[1].name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.mo"))
    return (DEFAULT, *found)


def choices() -> list[tuple[str, str]]:
    """(code, the language's own name) for the account page's menu."""
    from babel import Locale

    return [(code, Locale.parse(code).get_display_name(code).capitalize()) for code in available()]


def select_locale() -> str:
    """The user's setting, then the browser's ``Accept-Language``, then English."""
    user = current_user
    chosen = getattr(user, "ui_lang", None) if getattr(user, "is_authenticated", False) else None
    if chosen and chosen in available():
        return chosen
    return from_browser(request.accept_languages.values(), available())


def from_browser(wanted, offered) -> str:
    """The first of the browser's languages (in its order of preference) that the UI has, by
    the full tag and then by its language alone (``de-CH`` → ``de``); else English.

    >>> from_browser(["de-CH", "fr"], ("en", "de", "fr"))
    'de'
    """
    for tag in wanted:
        code = tag.replace("-", "_")
        for candidate in (code, code.split("_")[0].lower()):
            if candidate in offered:
                return candidate
    return DEFAULT


def _translations():
    """The request's catalog, looked up once per request."""
    found = g.get("ui_translations")
    if found is None:
        found = g.ui_translations = get_translations()
    return found


def html_lang() -> str:
    """The page's ``<html lang>``: the UI's language as BCP 47 writes it."""
    return str(get_locale() or DEFAULT).replace("_", "-")


def install(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)
    # Templates call gettext some 200 times a page: look the request's catalog up once.
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: _translations().ugettext(text),
        ngettext=lambda text, plural, n: _translations().ungettext(text, plural, n),
        pgettext=lambda context, text: _translations().upgettext(context, text),
        npgettext=lambda context, text, plural, n: _translations().unpgettext(context, text, plural, n),
        newstyle=True)

    @app.context_processor
    def ui_language():
        return {"ui_lang": html_lang, "script_messages": lambda: labels(SCRIPT_MESSAGES), "role_name": role_name,
                "langs_of": langs_of, "state_name": state_name, "kind_name": kind_name, "action_name": action_name,
                "number": number, "decimal": decimal, "percent": percent, "policy_text": policy_text}

    @app.template_filter("when")
    def when(seconds: float) -> str:
        """A moment (seconds since the epoch) in UTC, as the UI's language writes it."""
        return _date_and_time(dt.datetime.fromtimestamp(seconds, dt.timezone.utc)) + " UTC"

    @app.template_filter("day")
    def day(iso: str) -> str:
        """``2024-03-03`` as the UI's language writes a date (``3 mars 2024``); other text as is."""
        try:
            return format_date(dt.date.fromisoformat(iso), "medium", locale=get_locale())
        except (TypeError, ValueError):
            return iso or ""

    @app.template_filter("moment")
    def moment(iso: str) -> str:
        """``2026-12-04T20:00+01:00`` as the UI's language writes it (``4 dic 2026, 20:00`` in
        Spanish), at the time written (the deadline's own zone)."""
        if not iso:
            return ""
        try:
            return _date_and_time(dt.datetime.fromisoformat(iso))
        except ValueError:
            return iso.replace("T", " ")[:16]


def _date_and_time(moment: dt.datetime) -> str:
    from babel.dates import format_time

    locale = get_locale()
    date = format_date(moment.date(), "medium", locale=locale)
    time = format_time(moment.time(), "short", locale=locale)
    return locale.datetime_formats["medium"].format(time, date)
