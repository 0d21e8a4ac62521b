"""The review page's suggestions panel: each engine's proposal for one segment, on demand.

The JSON route (``GET /api/statements/<slug>/<lang>/segments/<id>/suggestions``, in
:mod:`webui.api`) and the page without JavaScript (``?suggest=<id>`` opens the panel of that
segment; ``&use=<n>`` also puts proposal n in its field, unsaved) both come here; the work is
:func:`chorus.suggest.suggest`.
"""

from __future__ import annotations

from flask import abort, request

from chorus import editing
from chorus.suggest import Suggestions, suggest

from . import actions, project


def for_segment(slug: str, lang: str, seg_id: str, user, refresh: bool = False) -> Suggestions:
    """The proposals for a segment the user may read (404 for unknown names, 403 if hidden)."""
    actions.catalog_for(slug, lang, user)
    try:
        return suggest(project(), slug, actions.norm_lang(lang), seg_id, refresh=refresh)
    except editing.NotFound:
        abort(404)


def for_page(slug: str, lang: str, user, shown: list) -> tuple[Suggestions | None, dict | None]:
    """The open panel of the page (``?suggest=<id>``), and with ``&use=<n>`` the field's text
    to show (``kept``, as after a refused save); (None, None) when none is asked for."""
    wanted = request.args.get("suggest")
    if not wanted or wanted not in {segment.id for segment in shown}:
        return None, None
    found = for_segment(slug, lang, wanted, user)
    use = request.args.get("use", "")
    usable = found.usable
    if use.isdigit() and 1 <= int(use) <= len(usable) and user.can_edit(actions.norm_lang(lang)):
        return found, {"id": wanted, "target": usable[int(use) - 1].text}
    return found, None
