"""Keep every process's in-memory index honest when knowledge changes outside the ingestion code.

A collection deleted in the admin cascades to its documents and passages
without going through `delete_documents`; a collection whose audience changes
changes who may read its passages. Both bump the generation counter, so each
process reloads its index before its next search.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from relais.knowledge.models import Collection, Document, IndexGeneration


@receiver(post_delete, sender=Document)
def document_deleted(sender, instance: Document, **kwargs) -> None:
    IndexGeneration.bump()


@receiver(post_save, sender=Collection)
def collection_saved(sender, instance: Collection, created: bool, **kwargs) -> None:
    if not created:
        IndexGeneration.bump()
