"""What each console role may do. The one table the console's route checks read.

Roles (issue 18): an agent (坐席) answers citizens in handed-off conversations; an organiser
(活动组织人员) runs sessions, applications, selection and exports and the knowledge base; an
admin (管理员) may do everything, and alone manages staff accounts and deletion requests.
"""
from __future__ import annotations

AGENT, ORGANISER, ADMIN = "agent", "organiser", "admin"
ROLES = (AGENT, ORGANISER, ADMIN)
ROLE_NAMES = {AGENT: "坐席", ORGANISER: "活动组织人员", ADMIN: "管理员"}

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
