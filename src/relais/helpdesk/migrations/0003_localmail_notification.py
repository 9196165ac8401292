# Notifications (unread marks) and the demo's local mailbox.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assistant", "0008_exchange_faq_question_needs_check"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("helpdesk", "0002_alter_outboxmessage_ticket"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LocalMail",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("message_id", models.CharField(max_length=200, unique=True, verbose_name="Message-ID")),
                ("sender", models.CharField(max_length=254, verbose_name="expéditeur")),
                ("to", models.CharField(db_index=True, max_length=254, verbose_name="destinataire")),
                ("subject", models.CharField(max_length=300, verbose_name="objet")),
                ("body", models.TextField(verbose_name="texte")),
                ("in_reply_to", models.CharField(blank=True, max_length=200, verbose_name="en réponse à")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="reçu le")),
            ],
            options={
                "verbose_name": "courriel de la boîte de démonstration",
                "verbose_name_plural": "courriels de la boîte de démonstration",
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="Notification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("handler_reply", "Réponse du service"),
                            ("status", "Changement de statut"),
                            ("agent_reply", "Réponse de l'agent"),
                            ("approved", "Demande validée"),
                            ("forwarded", "Demande approuvée, transmise à l'étape suivante"),
                            ("rejected", "Demande refusée"),
                        ],
                        max_length=16,
                        verbose_name="type",
                    ),
                ),
                ("status", models.CharField(blank=True, max_length=14, verbose_name="nouveau statut")),
                ("subject_id", models.PositiveBigIntegerField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="le")),
                ("read_at", models.DateTimeField(blank=True, null=True, verbose_name="lue le")),
                (
                    "conversation",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to="assistant.conversation",
                    ),
                ),
                (
                    "email",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="notifications",
                        to="helpdesk.outboxmessage",
                    ),
                ),
                (
                    "subject_type",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="contenttypes.contenttype"),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "notification",
                "ordering": ["-created_at", "-pk"],
                "indexes": [
                    models.Index(fields=["user", "read_at"], name="helpdesk_no_user_id_e0573a_idx"),
                    models.Index(fields=["subject_type", "subject_id"], name="helpdesk_no_subject_cf5780_idx"),
                ],
            },
        ),
    ]
