"""What to do now: the groups that call for action, ordered by what they will bring.

:func:`action_plan` reads every customer's one state (status, value, flags, contacts),
counts each group the way a campaign would pick it, and gives each its playbook, offer,
the offer's expected cost and the expected extra profit (from a measured campaign of
the same playbook on the same group where there is one, else a stated prior), the list
to use and the command that starts the campaign.
"""

from repeatly.actions._groups import GROUPS, PRIOR_SOURCE, ActionGroup
from repeatly.actions._plan import (
    COLUMNS,
    ActionPlan,
    PlannedAction,
    action_plan,
    group_members,
    write_actions,
)
from repeatly.actions._words import GROUP_WORDS, PLAYBOOK_WORDS, group_label, playbook_label

__all__ = [
    "COLUMNS",
    "GROUPS",
    "GROUP_WORDS",
    "PLAYBOOK_WORDS",
    "PRIOR_SOURCE",
    "ActionGroup",
    "ActionPlan",
    "PlannedAction",
    "action_plan",
    "group_label",
    "group_members",
    "playbook_label",
    "write_actions",
]
