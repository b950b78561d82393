"""What each console role may do. The one table the console's route checks read.

Roles (issue 18): an agent (坐席) answers citizens in handed-off conversations; an organiser
(活动组织人员) runs sessions, applications, selection and exports and the knowledge base; an
admin (管理员) may do everything, and alone manages staff accounts and deletion requests.
"""
from __future__ import annotations

from pathlib import Path

import yaml

TEXTS_FILE = Path(__file__).with_name("texts.yml")

AGENT, ORGANISER, ADMIN = "agent", "organiser", "admin"
ROLES = (AGENT, ORGANISER, ADMIN)
# Their names as the console shows them (staff/texts.yml).
ROLE_NAMES: dict[str, str] = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))["roles"]

# Permission → the roles that have it.
PERMISSIONS: dict[str, frozenset[str]] = {
    "tickets": frozenset({AGENT, ADMIN}),            # see, claim, answer and close tickets
    "reveal_ticket_phone": frozenset({AGENT, ADMIN}),  # a call-back number, audited
    "activities": frozenset({ORGANISER, ADMIN}),     # sessions, applications, selection
    "export": frozenset({ORGANISER, ADMIN}),         # applications for Excel (full phones)
    "knowledge": frozenset({ORGANISER, ADMIN}),      # plans, unanswered questions
    "dashboard": frozenset({AGENT, ORGANISER, ADMIN}),
    "staff": frozenset({ADMIN}),                     # accounts
    "forget": frozenset({ADMIN}),                    # a citizen's deletion request
}


def may(role: str, permission: str) -> bool:
    """Whether `role` has `permission`. KeyError for a permission not in PERMISSIONS (a typo
    in a route must fail loudly, never open it)."""
    return role in PERMISSIONS[permission]
