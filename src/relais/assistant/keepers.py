"""What keeps an agent from deleting a conversation, contributed by the apps above the assistant.

The assistant sits below the helpdesk in the app stack: it cannot ask about tickets itself. The helpdesk registers
its check when Django starts (`HelpdeskConfig.ready`): a conversation with a ticket still open stays, since the
agent follows the ticket there.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model

from relais.assistant.models import Conversation

# A conversation → what keeps it (each shown to the agent by its str), empty when nothing does.
Keeper = Callable[[Conversation], list[Model]]

_keepers: list[Keeper] = []


def register_keeper(keeper: Keeper) -> None:
    if keeper not in _keepers:
        _keepers.append(keeper)


def what_keeps(conversation: Conversation) -> list[Model]:
    return [item for keeper in _keepers for item in keeper(conversation)]
