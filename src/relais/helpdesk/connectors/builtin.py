class BuiltinConnector:
    """The queue inside Relais: the ticket row is the ticket, nothing to send."""

    name = "builtin"

    def open(self, ticket) -> str:
        return ""

    def add_followup(self, followup) -> str:
        return ""

    def status(self, external_id: str) -> str | None:
        return None
