"""Fixed words of the directory and of tickets (consultations and complaints)."""

from __future__ import annotations

import datetime as dt

KINDS: tuple[str, ...] = ("service_point", "terminal")  # staffed 服务网点 | self-service terminal
# What can be done there (Art. 5 card business, plus the services around the card).
SERVICES: tuple[str, ...] = (
    "apply",
    "report_loss",
    "lift_loss",
    "replace",
    "cancel",
    "change_bank",
    "ecard",
    "social_insurance",
    "medical_insurance",
    "hr_records",
    "certificates",
    "consultation",
    "complaints",  # 投诉受理: a desk that takes complaints in person
)
# Art. 11: accessible service for elderly and disabled people.
FACILITIES: tuple[str, ...] = (
    "wheelchair_access",
    "accessible_toilet",
    "accessible_parking",
    "priority_window",
    "hearing_loop",
    "sign_language",
    "braille",
    "large_print",
    "voice_guidance",
    "elderly_assistance",
)

TICKET_KINDS: tuple[str, ...] = ("consultation", "complaint")
CHANNELS: tuple[str, ...] = ("online", "phone", "counter", "terminal")
OPEN, IN_PROGRESS, ANSWERED, CLOSED = "open", "in_progress", "answered", "closed"
STATUSES: tuple[str, ...] = (OPEN, IN_PROGRESS, ANSWERED, CLOSED)
WAITING: tuple[str, ...] = (OPEN, IN_PROGRESS)  # waiting for an answer: the deadline runs

# (status, event) -> new status. Staff reply or take it up; the submitter writes again (which
# reopens an answered ticket) or closes it. A closed ticket stays closed: write a new one.
TRANSITIONS: dict[tuple[str, str], str] = {
    (OPEN, "start"): IN_PROGRESS,
    (OPEN, "reply"): ANSWERED,
    (IN_PROGRESS, "reply"): ANSWERED,
    (ANSWERED, "reply"): ANSWERED,
    (OPEN, "follow_up"): OPEN,
    (IN_PROGRESS, "follow_up"): IN_PROGRESS,
    (ANSWERED, "follow_up"): OPEN,
    (OPEN, "close"): CLOSED,
    (IN_PROGRESS, "close"): CLOSED,
    (ANSWERED, "close"): CLOSED,
}

# Deadlines (docs/tickets.md): the regulation (Art. 11) requires consultation and complaint
# channels but states no time limit, so these are the service's own commitment.
CST = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
ANSWER_WITHIN: dict[str, tuple[str, int]] = {
    "consultation": ("working_days", 5),
    "complaint": ("days", 15),
}
