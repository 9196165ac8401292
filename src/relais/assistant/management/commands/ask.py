import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relais.assistant.models import Conversation
from relais.assistant.payload import answer_payload
from relais.assistant.pipeline import EmptyQuestion, ask
from relais.knowledge.models import Audience


class Command(BaseCommand):
    help = "Ask Relais a question in French: the answer with its sources, or an abstention with a contact."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("question", help="the question, in French")
        parser.add_argument("--json", action="store_true", help="print one JSON object on one line")
        parser.add_argument("--conversation", type=int, help="continue this conversation (follow-up questions)")
        parser.add_argument("--audience", choices=Audience.values, default="agents", help="who is asking")

    def handle(self, *args, **options) -> None:
        conversation = None
        if options["conversation"] is not None:
            conversation = Conversation.objects.filter(pk=options["conversation"]).first()
            if conversation is None:
                raise CommandError(f"Conversation {options['conversation']} not found")
        try:
            result = ask(options["question"], conversation=conversation, audiences=frozenset([options["audience"]]))
        except EmptyQuestion as exc:
            raise CommandError("The question is empty") from exc
        payload = answer_payload(result)
        citations = payload["citations"]
        if options["json"]:
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        if result.answer.faq_question:
            self.stdout.write(f"Réponse validée pour la question : « {result.answer.faq_question} »")
        self.stdout.write(result.answer.text)
        for number, citation in enumerate(citations, 1):
            section = " › ".join(citation["section"]) or "—"
            self.stdout.write(f"[{number}] {citation['document']} › {section} (version {citation['version']})")
        if result.answer.mode == "none":
            if payload["suggestions"]:
                self.stdout.write("Documents proches : " + " ; ".join(s["document"] for s in payload["suggestions"]))
            self.stdout.write(f"Contact : {result.contact}")
        elif payload["needs_check"]:
            self.stdout.write("À vérifier : cette réponse ne correspond peut-être pas exactement à la question.")
            self.stdout.write(f"Contact : {result.contact}")
        self.stdout.write(f"(mode {result.answer.mode}, confiance {result.answer.confidence:.2f})")
