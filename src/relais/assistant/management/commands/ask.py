import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relais.assistant.models import Conversation
from relais.assistant.payload import answer_payload
from relais.assistant.pipeline import EmptyQuestion, ask
from relais.assistant.public_views import ask_public, public_payload
from relais.knowledge.models import Audience


class Command(BaseCommand):
    help = "Ask Relais a question in French: the answer with its sources, or an abstention with a contact."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("question", help="the question, in French")
        parser.add_argument("--json", action="store_true", help="print one JSON object on one line")
        parser.add_argument("--conversation", type=int, help="continue this conversation (follow-up questions)")
        who = parser.add_mutually_exclusive_group()
        # No default here (« agents » in handle): argparse lets a default value pass beside --public unnoticed.
        who.add_argument("--audience", choices=Audience.values, help="who is asking (default: agents)")
        who.add_argument(
            "--public",
            action="store_true",
            help="ask as an anonymous visitor: the public mode (/citoyens/, /api/v1/public/ask), public collections "
            "only, never a procedure, sources on the public document pages",
        )

    def handle(self, *args, **options) -> None:
        if options["public"] and options["conversation"] is not None:
            raise CommandError("--public questions stand alone: a visitor has no conversation to continue")
        try:
            if options["public"]:
                result = ask_public(options["question"])
                payload = public_payload(result)
            else:
                result = ask(
                    options["question"],
                    conversation=self._conversation(options["conversation"]),
                    audiences=frozenset([options["audience"] or Audience.AGENTS.value]),
                )
                payload = answer_payload(result)
        except EmptyQuestion as exc:
            raise CommandError("The question is empty") from exc
        if options["json"]:
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        self._print(payload)

    def _conversation(self, conversation_id: int | None) -> Conversation | None:
        if conversation_id is None:
            return None
        conversation = Conversation.objects.filter(pk=conversation_id).first()
        if conversation is None:
            raise CommandError(f"Conversation {conversation_id} not found")
        return conversation

    def _print(self, payload: dict) -> None:
        if payload["faq_question"]:
            self.stdout.write(f"Réponse validée pour la question : « {payload['faq_question']} »")
        self.stdout.write(payload["answer"])
        if payload.get("language"):  # --public, a question in another language
            self.stdout.write(payload["language"]["note"])
        for number, citation in enumerate(payload["citations"], 1):
            where = " › ".join([citation["document"], *citation["section"]])  # a page's opening has no section
            self.stdout.write(f"[{number}] {where} (version {citation['version']})")
        if payload["mode"] == "none":
            if payload["suggestions"]:
                self.stdout.write("Documents proches : " + " ; ".join(s["document"] for s in payload["suggestions"]))
            self.stdout.write(f"Contact : {payload['contact']}")
        elif payload["needs_check"]:
            self.stdout.write("À vérifier : cette réponse ne correspond peut-être pas exactement à la question.")
            self.stdout.write(f"Contact : {payload['contact']}")
        if payload.get("handover"):  # --public: the desk the visitor is handed over to
            desk = payload["handover"]
            self.stdout.write(f"Qui contacter : {desk['label']}, {desk['phone']} — {desk['status']}")
            for line in desk["hours"]:
                self.stdout.write(f"  {line}")
        self.stdout.write(f"(mode {payload['mode']}, confiance {payload['confidence']:.2f})")
