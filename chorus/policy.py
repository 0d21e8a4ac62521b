"""The review policy of a project: what is published, and who may approve what.

One object answers for export, the dashboard's "ready", the API and the web export alike,
from three keys of ``chorus.toml``::

    publish = "approved"        # or "translated": what a published statement may contain
    self_approval = false       # may someone approve a text they wrote themselves?
    publish_threshold = 100     # percent of the segments that must be publishable

``publish = "approved"`` (the default) is four eyes: a sentence is published once a second
volunteer approved it; ``"translated"`` publishes what a volunteer saved, approved or not.

>>> policy = ReviewPolicy()
>>> policy.published, policy.ready({"segments": 4, "translated": 2, "approved": 2})
(('approved',), False)
>>> ReviewPolicy(publish="translated").ready({"segments": 4, "translated": 2, "approved": 2})
True
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ChorusError
from .status import ready

PUBLISH = ("approved", "translated")


@dataclass(frozen=True)
class ReviewPolicy:
    publish: str = "approved"
    self_approval: bool = False
    threshold: int = 100

    @property
    def published(self) -> tuple[str, ...]:
        """The states whose text goes into a published statement."""
        return ("approved",) if self.publish == "approved" else ("translated", "approved")

    def ready(self, counts: dict) -> bool:
        """Whether a catalog with these counts per state may be published
        (:func:`chorus.status.ready`, the one place the rule lives)."""
        return ready(counts, self.threshold, self.publish)

    @property
    def key(self) -> str:
        """What the project index must re-rate its rows for when it changes."""
        return f"{self.threshold}/{self.publish}"

    def describe(self) -> str:
        """``at least 100% approved`` (for pages and messages)."""
        return f"at least {self.threshold}% {'approved' if self.publish == 'approved' else 'translated or approved'}"

    def approval_refused(self, user, author: str | None, state: str) -> str | None:
        """Why ``user`` may not approve a segment whose current text ``author`` wrote (None:
        unknown, e.g. edited in a PO editor) and that is in ``state``; None when they may.

        Four eyes: nobody approves a text they wrote, coordinators included, and a machine
        draft is approved only after someone saved it as translated (else one pair of eyes
        would have seen it); ``self_approval = true`` lifts both rules.
        """
        if self.self_approval:
            return None
        if author is not None and author == user.name:
            return ("you wrote the current text of this segment: another reviewer approves it "
                    "(four eyes; self_approval is off in chorus.toml)")
        if state == "fuzzy":
            return ("this is a draft: someone saves it as translated first, then another reviewer "
                    "approves it (four eyes; self_approval is off in chorus.toml)")
        return None


def from_settings(data: dict, threshold: int) -> ReviewPolicy:
    """The policy from chorus.toml's keys; a bad value is a :class:`ChorusError`."""
    publish = data.get("publish", "approved")
    if publish not in PUBLISH:
        raise ChorusError(f"publish must be \"approved\" or \"translated\", not {publish!r}")
    self_approval = data.get("self_approval", False)
    if not isinstance(self_approval, bool):
        raise ChorusError(f"self_approval must be true or false, not {self_approval!r}")
    return ReviewPolicy(publish, self_approval, threshold)
