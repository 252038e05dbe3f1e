"""Which docket entries matter for the timeline, and the lawsuit status each one suggests.

Docket text is terse and formulaic ("ORDER GRANTING IN PART AND DENYING IN PART 45 MOTION to Dismiss"),
so a few ordered patterns cover the stages a reader follows; the first that matches wins. Everything
else (notices of appearance, scheduling orders, exhibits...) is kept as seen and left out.
"""

import re
from typing import NamedTuple

from events.models import Event, Lawsuit

from .models import DocketEntry


class Stage(NamedTuple):
    kind: str  # DocketEntry.Kind
    event_kind: str  # Event.Kind of the draft
    status: str  # the Lawsuit.Status it suggests, or ""


def _rx(pattern):
    return re.compile(pattern, re.IGNORECASE)


K, E, S = DocketEntry.Kind, Event.Kind, Lawsuit.Status

# (pattern, stage): the order matters: a ruling on a motion to dismiss mentions the motion too.
SETTLEMENT_APPROVED = r"\bfinal approval\b.*\bsettlement\b|\bsettlement\b.*\bfinal approval\b"
JUDGMENT = r"^\W*(final |clerk'?s )?judgment\b|\bjudgment (is )?(hereby )?entered\b"
DISMISSAL = (
    r"\bvoluntary dismissal\b|\bdismiss(ed|ing|al of) (the )?(entire )?(action|case|complaint)\b"
    r"|\bdismissed with(out)? prejudice\b"
)
COMPLAINT = r"^\W*(first |second |third )?(amended )?(class action )?complaint\b"
RULES = [
    (_rx(r"\bnotice of (interlocutory )?appeal\b"), Stage(K.APPEAL, E.RULING, S.APPEAL)),
    (_rx(SETTLEMENT_APPROVED), Stage(K.SETTLEMENT, E.SETTLEMENT, S.SETTLED)),
    (_rx(r"\bsettlement\b|\bsettled\b"), Stage(K.SETTLEMENT, E.SETTLEMENT, S.SETTLING)),
    (_rx(JUDGMENT), Stage(K.JUDGMENT, E.RULING, S.JUDGMENT)),
    (_rx(DISMISSAL), Stage(K.DISMISSAL, E.RULING, S.DISMISSED)),
    (_rx(r"\border\b.*\bmotions? to dismiss\b"), Stage(K.DISMISSAL_RULING, E.RULING, "")),
    (_rx(r"\bmotions? to dismiss\b"), Stage(K.MOTION_TO_DISMISS, E.OTHER, "")),
    (_rx(r"\bconsolidat"), Stage(K.CONSOLIDATION, E.RULING, "")),
    (_rx(COMPLAINT), Stage(K.COMPLAINT, E.LAWSUIT_FILED, S.FILED)),
]

# A ruling that grants a motion to dismiss outright ends the case; "in part" or "leave to amend" does not.
GRANTED_OUTRIGHT = _rx(r"\bgranting\b")
NOT_OUTRIGHT = _rx(r"\bin part\b|\bleave to amend\b|\bdenying\b")


def stage_of(description):
    """The Stage a docket entry's text describes, or None when it does not matter for the timeline."""
    text = " ".join((description or "").split())
    for pattern, stage in RULES:
        if pattern.search(text):
            if stage.kind == K.DISMISSAL_RULING and GRANTED_OUTRIGHT.search(text) and not NOT_OUTRIGHT.search(text):
                return stage._replace(status=S.DISMISSED)
            return stage
    return None
