import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relais.assistant.models import Conversation
from relais.assistant.pipeline import EmptyQuestion, ask, citation_payload
from relais.knowledge.models import Audience, Document


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
        documents = Document.objects.in_bulk([c.document_id for c in result.answer.citations])
        citations = [citation_payload(c, documents.get(c.document_id)) for c in result.answer.citations]
        payload = {
            "answer": result.answer.text,
            "citations": citations,
            "confidence": result.answer.confidence,
            "mode": result.answer.mode,
            "contact": result.contact,
            "suggestions": [s.document_title for s in result.answer.suggestions],
            "exchange_id": result.exchange.pk if result.exchange else None,
            "conversation_id": result.conversation.pk if result.conversation else None,
        }
        if options["json"]:
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        self.stdout.write(result.answer.text)
        for number, citation in enumerate(citations, 1):
            section = " › ".join(citation["section"]) or "—"
            self.stdout.write(f"[{number}] {citation['document']} › {section} (version {citation['version']})")
        if result.answer.mode == "none":
            if payload["suggestions"]:
                self.stdout.write("Documents proches : " + " ; ".join(payload["suggestions"]))
            self.stdout.write(f"Contact : {result.contact}")
        self.stdout.write(f"(mode {result.answer.mode}, confiance {result.answer.confidence:.2f})")
